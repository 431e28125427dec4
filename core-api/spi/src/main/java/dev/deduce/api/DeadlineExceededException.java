package dev.deduce.api;

/** The request's deadline passed before it completed. */
public class DeadlineExceededException extends DeduceException {

  /** The request's deadline passed before it completed. */
  public DeadlineExceededException(String message) {
    super(ErrorKind.DEADLINE_EXCEEDED, message);
  }

  /** The request's deadline passed before it completed. */
  public DeadlineExceededException(String message, Throwable cause) {
    super(ErrorKind.DEADLINE_EXCEEDED, message, cause);
  }
}
