package dev.deduce.api;

import java.util.Objects;

/** The base of every failure Deduce reports; its message says what was wrong and what was expected. */
public class DeduceException extends RuntimeException {

  private final ErrorKind kind;

  /** A failure of {@code kind}. */
  public DeduceException(ErrorKind kind, String message) {
    this(kind, message, null);
  }

  /** A failure of {@code kind} caused by {@code cause}. */
  public DeduceException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind must not be null");
  }

  /** What kind of failure this is. */
  public ErrorKind kind() {
    return kind;
  }
}
