package dev.deduce.perf.store;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.PageCursor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.TensorCodec;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A small but real store: an fsync'd append-only log of requests and results, replayed on open. It exists to prove
 * that {@link StoreContract} is self-consistent before a production store runs it.
 */
final class LogStore implements dev.deduce.spi.Store {

  private static final byte REQUEST = 1;
  private static final byte RESULT = 2;

  private final Path file;
  private final long maxRecordBytes;
  private final Map<String, StoredRequest> rows = new HashMap<>();
  private FileOutputStream log;

  LogStore(Path file, long maxRecordBytes) {
    this.file = file;
    this.maxRecordBytes = maxRecordBytes;
    try {
      if (Files.exists(file)) {
        replay();
      }
      log = new FileOutputStream(file.toFile(), true);
    } catch (IOException e) {
      throw new StoreException("cannot open log store " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void append(List<RequestRecord> requests) {
    Objects.requireNonNull(requests, "requests must not be null");
    byte[][] frames = new byte[requests.size()][];
    for (int i = 0; i < requests.size(); i++) {
      RequestRecord r = Objects.requireNonNull(requests.get(i), "request " + i + " of the batch is null");
      frames[i] = checked(r.requestId(), encodeRequest(r));
    }
    for (int i = 0; i < frames.length; i++) {
      RequestRecord r = requests.get(i);
      if (!rows.containsKey(r.requestId())) {
        write(REQUEST, frames[i]);
        rows.put(r.requestId(), StoredRequest.pending(r));
      }
    }
    sync();
  }

  @Override
  public synchronized void complete(List<ResultRecord> results) {
    Objects.requireNonNull(results, "results must not be null");
    byte[][] frames = new byte[results.size()][];
    for (int i = 0; i < results.size(); i++) {
      ResultRecord r = Objects.requireNonNull(results.get(i), "result " + i + " of the batch is null");
      frames[i] = checked(r.requestId(), encodeResult(r));
    }
    for (int i = 0; i < frames.length; i++) {
      ResultRecord r = results.get(i);
      StoredRequest known = rows.get(r.requestId());
      if (known == null || known.status() == RequestStatus.PENDING) {
        write(RESULT, frames[i]);
        rows.put(r.requestId(), StoredRequest.completed(r));
      }
    }
    sync();
  }

  @Override
  public synchronized Optional<StoredRequest> get(String requestId) {
    Objects.requireNonNull(requestId, "requestId must not be null");
    return Optional.ofNullable(rows.get(requestId));
  }

  @Override
  public synchronized List<RequestRecord> pending() {
    return rows.values().stream().filter(r -> r.status() == RequestStatus.PENDING).map(StoredRequest::request)
        .sorted(Comparator.comparing(RequestRecord::submittedAt).thenComparing(RequestRecord::requestId)).toList();
  }

  @Override
  public synchronized Page<StoredRequest> history(HistoryQuery q) {
    Objects.requireNonNull(q, "history query must not be null");
    Optional<PageCursor> after = PageCursor.from(q);
    Comparator<StoredRequest> newestFirst = Comparator.comparing(PageCursor::of, PageCursor.NEWEST_FIRST);
    List<StoredRequest> fetched = rows.values().stream()
        .filter(r -> q.model() == null || q.model().equals(r.request().model()))
        .filter(r -> q.version() == null || q.version().equals(r.request().version()))
        .filter(r -> q.status() == null || q.status() == r.status())
        .filter(r -> q.from() == null || !r.request().submittedAt().isBefore(q.from()))
        .filter(r -> q.to() == null || r.request().submittedAt().isBefore(q.to()))
        .filter(r -> after.isEmpty() || PageCursor.NEWEST_FIRST.compare(PageCursor.of(r), after.get()) > 0)
        .sorted(newestFirst)
        .limit(q.pageSize() + 1L)
        .toList();
    return PageCursor.page(q, fetched);
  }

  @Override
  public synchronized void close() {
    if (log != null) {
      try {
        log.close();
      } catch (IOException e) {
        throw new StoreException("cannot close log store " + file + ": " + e.getMessage(), e);
      } finally {
        log = null;
      }
    }
  }

  // ------------------------------------------------------------------ log format

  private byte[] checked(String id, byte[] frame) {
    if (frame.length > maxRecordBytes) {
      throw new IllegalArgumentException("record '" + id + "' encodes to " + frame.length + " bytes; expected at most "
          + maxRecordBytes);
    }
    return frame;
  }

  private void write(byte kind, byte[] frame) {
    if (log == null) {
      throw new StoreException("log store " + file + " is closed; expected an open store");
    }
    try {
      DataOutputStream out = new DataOutputStream(log);
      out.writeByte(kind);
      out.writeInt(frame.length);
      out.write(frame);
    } catch (IOException e) {
      throw new StoreException("cannot write to " + file + ": " + e.getMessage(), e);
    }
  }

  private void sync() {
    try {
      if (log != null) {
        log.getFD().sync();
      }
    } catch (IOException e) {
      throw new StoreException("cannot sync " + file + ": " + e.getMessage(), e);
    }
  }

  private void replay() throws IOException {
    try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
      DataInputStream in = new DataInputStream(is);
      while (true) {
        int kind = in.read();
        if (kind < 0) {
          return;
        }
        byte[] frame;
        try {
          frame = new byte[in.readInt()];
          in.readFully(frame);
        } catch (EOFException torn) {
          return; // a write cut short by a crash was never acknowledged
        }
        DataInputStream f = new DataInputStream(new java.io.ByteArrayInputStream(frame));
        if (kind == REQUEST) {
          RequestRecord r = readRequest(f);
          rows.putIfAbsent(r.requestId(), StoredRequest.pending(r));
        } else {
          RequestRecord r = readRequest(f);
          RequestStatus status = RequestStatus.valueOf(f.readUTF());
          String version = readString(f);
          var outputs = TensorCodec.decode(f.readNBytes(f.readInt()));
          String kindName = readNullable(f);
          String error = readNullable(f);
          Instant at = readInstant(f);
          int attempts = f.readInt();
          rows.put(r.requestId(), StoredRequest.completed(new ResultRecord(r, status, version, outputs,
              kindName == null ? null : ErrorKind.valueOf(kindName), error, at, attempts)));
        }
      }
    }
  }

  private static byte[] encodeRequest(RequestRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeRequest(out, r);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] encodeResult(ResultRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeRequest(out, r.request());
      out.writeUTF(r.status().name());
      writeString(out, r.version());
      byte[] outputs = TensorCodec.encode(r.outputs());
      out.writeInt(outputs.length);
      out.write(outputs);
      writeNullable(out, r.errorKind() == null ? null : r.errorKind().name());
      writeNullable(out, r.error());
      writeInstant(out, r.completedAt());
      out.writeInt(r.attempts());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeRequest(DataOutputStream out, RequestRecord r) throws IOException {
    writeString(out, r.requestId());
    writeString(out, r.model());
    writeString(out, r.version());
    byte[] inputs = TensorCodec.encode(r.inputs());
    out.writeInt(inputs.length);
    out.write(inputs);
    writeInstant(out, r.submittedAt());
    writeInstant(out, r.deadline());
    writeNullable(out, r.idempotencyKey());
  }

  private static RequestRecord readRequest(DataInputStream in) throws IOException {
    String id = readString(in);
    String model = readString(in);
    String version = readString(in);
    var inputs = TensorCodec.decode(in.readNBytes(in.readInt()));
    return new RequestRecord(id, model, version, inputs, readInstant(in), readInstant(in), readNullable(in));
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      writeString(out, s);
    }
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? readString(in) : null;
  }

  private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant readInstant(DataInputStream in) throws IOException {
    return Instant.ofEpochSecond(in.readLong(), in.readInt());
  }
}
