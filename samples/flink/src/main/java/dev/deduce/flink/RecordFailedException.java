package dev.deduce.flink;

/** Fails the job for one record: its id, the error kind, and what was wrong; the Deduce error is the cause. */
public final class RecordFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String recordId;
  private final String kind;

  /** A failure of record {@code recordId} of kind {@code kind} (an ErrorKind name, or JOB for the job's own code). */
  public RecordFailedException(String recordId, String kind, String message, Throwable cause) {
    super("record " + recordId + " (" + kind + "): " + message, cause);
    this.recordId = recordId;
    this.kind = kind;
  }

  /** The record's id. */
  public String recordId() {
    return recordId;
  }

  /** The error kind's name. */
  public String kind() {
    return kind;
  }
}
