package dev.deduce.store.cozo;

/**
 * The engine panicked or trapped mid-call. Its memory may be inconsistent, so the instance must not be used again;
 * the store rebuilds a fresh one from its last durable state.
 */
final class CozoPanicException extends RuntimeException {

  CozoPanicException(String message, Throwable cause) {
    super(message, cause);
  }
}
