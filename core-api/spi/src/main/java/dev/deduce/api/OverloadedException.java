package dev.deduce.api;

/** The model's queue is full or the service is closing; back off and try again. */
public class OverloadedException extends DeduceException {

  /** The model's queue is full or the service is closing; back off and try again. */
  public OverloadedException(String message) {
    super(ErrorKind.OVERLOADED, message);
  }

  /** The model's queue is full or the service is closing; back off and try again. */
  public OverloadedException(String message, Throwable cause) {
    super(ErrorKind.OVERLOADED, message, cause);
  }
}
