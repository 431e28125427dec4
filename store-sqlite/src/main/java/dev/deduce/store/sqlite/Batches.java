package dev.deduce.store.sqlite;

import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.TensorCodec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Turns records into statement batches for {@link Writer}. Everything that can refuse a record (a null, an
 * oversize record, a time out of range) runs here, before the write's transaction begins.
 */
final class Batches {

  private final Path file;
  private final long maxRecordBytes;

  Batches(Path file, long maxRecordBytes) {
    this.file = file;
    this.maxRecordBytes = maxRecordBytes;
  }

  /** The {@link SqliteStore#APPEND} batch for {@code requests}, or null when there are none. */
  Writer.Batch appends(List<RequestRecord> requests) {
    Objects.requireNonNull(requests, "requests must not be null");
    if (requests.isEmpty()) {
      return null;
    }
    byte[][] inputs = new byte[requests.size()][];
    long[] submitted = new long[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      RequestRecord r = requests.get(i);
      if (r == null) {
        throw new NullPointerException("requests[" + i + "] is null; expected a RequestRecord");
      }
      inputs[i] = TensorCodec.encode(r.inputs());
      checkSize(r.requestId(), inputs[i].length + Rows.textBytes(r));
      submitted[i] = Rows.nanos(r.submittedAt(), "submittedAt", r.requestId(), file);
    }
    return append -> {
      for (int i = 0; i < inputs.length; i++) {
        RequestRecord r = requests.get(i);
        append.setString(1, r.requestId());
        append.setString(2, r.model());
        append.setString(3, r.version());
        append.setString(4, r.version());
        append.setLong(5, submitted[i]);
        append.setLong(6, Rows.deadlineNanos(r.deadline()));
        append.setString(7, r.idempotencyKey());
        append.setBytes(8, inputs[i]);
        append.addBatch();
      }
    };
  }

  /** The {@link SqliteStore#COMPLETE} batch for {@code results}, or null when there are none. */
  Writer.Batch results(List<ResultRecord> results) {
    Objects.requireNonNull(results, "results must not be null");
    if (results.isEmpty()) {
      return null;
    }
    byte[][] inputs = new byte[results.size()][];
    byte[][] outputs = new byte[results.size()][];
    long[] submitted = new long[inputs.length];
    long[] completed = new long[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      ResultRecord r = results.get(i);
      if (r == null) {
        throw new NullPointerException("results[" + i + "] is null; expected a ResultRecord");
      }
      RequestRecord q = r.request();
      inputs[i] = TensorCodec.encode(q.inputs());
      outputs[i] = TensorCodec.encode(r.outputs());
      checkSize(r.requestId(), inputs[i].length + outputs[i].length + Rows.textBytes(q)
          + Rows.utf8Length(r.version()) + Rows.utf8Length(r.error()));
      submitted[i] = Rows.nanos(q.submittedAt(), "submittedAt", q.requestId(), file);
      completed[i] = Rows.nanos(r.completedAt(), "completedAt", q.requestId(), file);
    }
    return complete -> {
      for (int i = 0; i < inputs.length; i++) {
        ResultRecord r = results.get(i);
        RequestRecord q = r.request();
        complete.setString(1, q.requestId());
        complete.setString(2, q.model());
        complete.setString(3, q.version());
        complete.setString(4, r.version());
        complete.setString(5, r.status().name());
        complete.setLong(6, submitted[i]);
        complete.setLong(7, Rows.deadlineNanos(q.deadline()));
        complete.setString(8, q.idempotencyKey());
        complete.setBytes(9, inputs[i]);
        complete.setBytes(10, outputs[i]);
        complete.setString(11, r.errorKind() == null ? null : r.errorKind().name());
        complete.setString(12, r.error());
        complete.setLong(13, completed[i]);
        complete.setInt(14, r.attempts());
        complete.addBatch();
      }
    };
  }

  // An oversize record is the caller's mistake, not a store failure: retrying it cannot succeed.
  private void checkSize(String requestId, long bytes) {
    if (bytes > maxRecordBytes) {
      throw new IllegalArgumentException("request " + requestId + " is " + bytes + " bytes encoded; the SQLite store at "
          + file + " accepts records of at most " + maxRecordBytes + " bytes (option "
          + SqliteOptions.MAX_RECORD_BYTES + "). Nothing in this batch was written.");
    }
  }
}
