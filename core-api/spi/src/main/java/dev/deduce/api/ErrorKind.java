package dev.deduce.api;

/** What went wrong with a request, as recorded in results and metrics. */
public enum ErrorKind {
  /** The request did not match the model signature or limits; never retried. */
  INVALID_INPUT(false),
  /** The model file or folder could not be loaded. */
  MODEL_LOAD(false),
  /** The model or version is not being served. */
  MODEL_NOT_FOUND(false),
  /** The engine failed in a way that may pass on retry. */
  TRANSIENT_ENGINE(true),
  /** The engine failed in a way a retry will not fix. */
  ENGINE(false),
  /** The store could not read or write. */
  STORE(false),
  /** The queue is full or the service is closing; try later. */
  OVERLOADED(false),
  /** The request's deadline passed before it completed. */
  DEADLINE_EXCEEDED(false);

  private final boolean retryable;

  ErrorKind(boolean retryable) {
    this.retryable = retryable;
  }

  /** Whether the runtime retries this kind of failure within the deadline. */
  public boolean retryable() {
    return retryable;
  }
}
