package dev.deduce.api;

/** An engine failure that a retry will not fix. */
public class EngineException extends DeduceException {

  /** An engine failure that a retry will not fix. */
  public EngineException(String message) {
    super(ErrorKind.ENGINE, message);
  }

  /** An engine failure that a retry will not fix. */
  public EngineException(String message, Throwable cause) {
    super(ErrorKind.ENGINE, message, cause);
  }
}
