package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.StoredRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/** Records to {@code deduce_request} rows (columns in {@link CozoScripts#V} order) and back. */
final class RecordRows {

  // column positions in V
  static final int SUB_S = 3;
  static final int SUB_N = 4;
  static final int SEQ = 7;

  /** Reads the tensors stored at a data log offset. */
  private final LongFunction<NamedTensors> tensors;

  RecordRows(LongFunction<NamedTensors> tensors) {
    this.tensors = tensors;
  }

  static List<Object> row(RequestRecord r, long seq, ResultRecord res, Long inputsAt, Long outputsAt) {
    List<Object> row = new ArrayList<>(16);
    row.add(r.requestId());
    row.add(r.model());
    row.add(r.version());
    row.add(r.submittedAt().getEpochSecond());
    row.add(r.submittedAt().getNano());
    row.add(r.deadline().toString());
    row.add(r.idempotencyKey());
    row.add(seq);
    if (res == null) {
      row.add(RequestStatus.PENDING.name());
      row.add(r.version());
      row.add(null);
      row.add(null);
      row.add(null);
      row.add(0);
    } else {
      row.add(res.status().name());
      row.add(res.version());
      row.add(res.errorKind() == null ? null : res.errorKind().name());
      row.add(res.error());
      row.add(res.completedAt().toString());
      row.add(res.attempts());
    }
    row.add(inputsAt);
    row.add(outputsAt);
    return row;
  }

  /** The outcome columns ({@link CozoScripts#OUTCOME_COLUMNS}) of a full {@link #row}. */
  static List<Object> outcome(List<Object> row) {
    List<Object> out = new ArrayList<>(8);
    out.add(row.get(0));
    out.addAll(row.subList(8, 14));
    out.add(row.get(15));
    return out;
  }

  RequestRecord request(JsonNode row) {
    return new RequestRecord(row.get(0).asText(), row.get(1).asText(), row.get(2).asText(), tensors(row.get(14)),
        Instant.ofEpochSecond(row.get(3).asLong(), row.get(4).asLong()), Instant.parse(row.get(5).asText()),
        row.get(6).isNull() ? null : row.get(6).asText());
  }

  StoredRequest stored(JsonNode row) {
    RequestRecord req = request(row);
    RequestStatus status = RequestStatus.valueOf(row.get(8).asText());
    if (status == RequestStatus.PENDING) {
      return StoredRequest.pending(req);
    }
    return new StoredRequest(req, status, row.get(9).asText(), tensors(row.get(15)),
        row.get(10).isNull() ? null : ErrorKind.valueOf(row.get(10).asText()),
        row.get(11).isNull() ? null : row.get(11).asText(),
        row.get(12).isNull() ? null : Instant.parse(row.get(12).asText()), row.get(13).asInt());
  }

  private NamedTensors tensors(JsonNode offset) {
    return offset.isNull() ? NamedTensors.empty() : tensors.apply(offset.asLong());
  }
}
