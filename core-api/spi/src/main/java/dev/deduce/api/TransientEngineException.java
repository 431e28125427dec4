package dev.deduce.api;

/** An engine failure that may pass on retry, such as a resource briefly unavailable. */
public class TransientEngineException extends DeduceException {

  /** An engine failure that may pass on retry, such as a resource briefly unavailable. */
  public TransientEngineException(String message) {
    super(ErrorKind.TRANSIENT_ENGINE, message);
  }

  /** An engine failure that may pass on retry, such as a resource briefly unavailable. */
  public TransientEngineException(String message, Throwable cause) {
    super(ErrorKind.TRANSIENT_ENGINE, message, cause);
  }
}
