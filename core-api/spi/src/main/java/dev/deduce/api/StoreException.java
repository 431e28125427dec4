package dev.deduce.api;

/** The store could not read or write. */
public class StoreException extends DeduceException {

  /** The store could not read or write. */
  public StoreException(String message) {
    super(ErrorKind.STORE, message);
  }

  /** The store could not read or write. */
  public StoreException(String message, Throwable cause) {
    super(ErrorKind.STORE, message, cause);
  }
}
