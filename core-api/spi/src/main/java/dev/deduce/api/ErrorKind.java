package dev.deduce.api;

/**
 * What went wrong with a request, as recorded in results and metrics; the one place that maps a kind to its
 * exception class ({@link #exception}), to whether the runtime retries it ({@link #retryable}) and to whether it
 * counts against the engine's health ({@link #engineFailure}).
 */
public enum ErrorKind {
  /** The request did not match the model signature or limits; never retried. */
  INVALID_INPUT(false, false),
  /** The model file or folder could not be loaded. */
  MODEL_LOAD(false, false),
  /** The model or version is not being served. */
  MODEL_NOT_FOUND(false, false),
  /** The engine failed in a way that may pass on retry. */
  TRANSIENT_ENGINE(true, true),
  /** The engine failed in a way a retry will not fix. */
  ENGINE(false, true),
  /** The store could not read or write. */
  STORE(false, false),
  /** The queue is full or the service is closing; try later. */
  OVERLOADED(false, false),
  /** The request's deadline passed before it completed. */
  DEADLINE_EXCEEDED(false, false);

  private final boolean retryable;
  private final boolean engineFailure;

  ErrorKind(boolean retryable, boolean engineFailure) {
    this.retryable = retryable;
    this.engineFailure = engineFailure;
  }

  /** Whether the runtime retries this kind of failure within the deadline: the only retry predicate. */
  public boolean retryable() {
    return retryable;
  }

  /** Whether this kind of failure says the engine is unhealthy, so the circuit breaker counts it. */
  public boolean engineFailure() {
    return engineFailure;
  }

  /**
   * The exception this kind is thrown as, with {@code message}: e.g. {@link InvalidInputException} for
   * {@link #INVALID_INPUT}. Its {@link DeduceException#kind()} is this kind.
   */
  public DeduceException exception(String message) {
    return switch (this) {
      case INVALID_INPUT -> new InvalidInputException(message);
      case MODEL_LOAD -> new ModelLoadException(message);
      case MODEL_NOT_FOUND -> new ModelNotFoundException(message);
      case TRANSIENT_ENGINE -> new TransientEngineException(message);
      case ENGINE -> new EngineException(message);
      case STORE -> new StoreException(message);
      case OVERLOADED -> new OverloadedException(message);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(message);
    };
  }
}
