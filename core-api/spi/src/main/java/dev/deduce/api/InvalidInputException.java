package dev.deduce.api;

/** The request does not match the model's signature or limits; never retried. */
public class InvalidInputException extends DeduceException {

  /** The request does not match the model's signature or limits; never retried. */
  public InvalidInputException(String message) {
    super(ErrorKind.INVALID_INPUT, message);
  }

  /** The request does not match the model's signature or limits; never retried. */
  public InvalidInputException(String message, Throwable cause) {
    super(ErrorKind.INVALID_INPUT, message, cause);
  }
}
