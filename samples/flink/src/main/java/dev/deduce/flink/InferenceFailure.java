package dev.deduce.flink;

import java.util.Objects;

/**
 * A record whose inference failed, as {@link DeduceInference#FAILURES} carries it: a Flink POJO (public fields, no-arg
 * constructor), so Flink serializes it without Kryo.
 */
public class InferenceFailure {

  /** The record's id, as {@link RecordIds} gave it. */
  public String recordId;
  /** The Deduce request id the record ran (or would have run) under. */
  public String requestId;
  /** The model the record was sent to. */
  public String model;
  /** {@link dev.deduce.api.ErrorKind} name: INVALID_INPUT, DEADLINE_EXCEEDED, ENGINE, ... */
  public String kind;
  /** What was wrong and what was expected. */
  public String reason;

  /** For Flink's POJO serializer. */
  public InferenceFailure() {}

  /** A failure of record {@code recordId}. */
  public InferenceFailure(String recordId, String requestId, String model, String kind, String reason) {
    this.recordId = recordId;
    this.requestId = requestId;
    this.model = model;
    this.kind = kind;
    this.reason = reason;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InferenceFailure f && Objects.equals(recordId, f.recordId)
        && Objects.equals(requestId, f.requestId) && Objects.equals(model, f.model) && Objects.equals(kind, f.kind)
        && Objects.equals(reason, f.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(recordId, requestId, model, kind, reason);
  }

  @Override
  public String toString() {
    return "record " + recordId + " (" + kind + "): " + reason;
  }
}
