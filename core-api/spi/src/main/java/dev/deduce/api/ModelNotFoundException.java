package dev.deduce.api;

/** The named model or version is not being served. */
public class ModelNotFoundException extends DeduceException {

  /** The named model or version is not being served. */
  public ModelNotFoundException(String message) {
    super(ErrorKind.MODEL_NOT_FOUND, message);
  }

  /** The named model or version is not being served. */
  public ModelNotFoundException(String message, Throwable cause) {
    super(ErrorKind.MODEL_NOT_FOUND, message, cause);
  }
}
