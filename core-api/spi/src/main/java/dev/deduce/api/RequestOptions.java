package dev.deduce.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-request options: how long the caller will wait, an idempotency key, and a priority level.
 *
 * <p>Immutable; build with {@link #builder()}. An unset timeout takes the model's configured default deadline.
 */
public final class RequestOptions {

  private static final RequestOptions DEFAULTS = new Builder().build();

  private final Duration timeout;
  private final String idempotencyKey;
  private final Integer priority;

  private RequestOptions(Builder b) {
    this.timeout = b.timeout;
    this.idempotencyKey = b.idempotencyKey;
    this.priority = b.priority;
  }

  /** No timeout override and no idempotency key. */
  public static RequestOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The time from submission after which the request fails with {@link DeadlineExceededException}. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** A caller-chosen key: resubmitting with the same key returns the first request's result. */
  public Optional<String> idempotencyKey() {
    return Optional.ofNullable(idempotencyKey);
  }

  /**
   * The priority level: 0 is the lowest, higher levels are taken first; unset takes the model's
   * {@code priority.default-level}. A level above the model's highest fails the request as invalid input.
   */
  public Optional<Integer> priority() {
    return Optional.ofNullable(priority);
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.timeout = timeout;
    b.idempotencyKey = idempotencyKey;
    b.priority = priority;
    return b;
  }

  @Override
  public String toString() {
    return "RequestOptions{timeout=" + timeout + ", idempotencyKey=" + idempotencyKey + ", priority=" + priority
        + "}";
  }

  /** Builds {@link RequestOptions}; values are checked as they are set. */
  public static final class Builder {
    private Duration timeout;
    private String idempotencyKey;
    private Integer priority;

    private Builder() {}

    /** Fail the request if it has not completed within {@code timeout} of submission; must be positive. */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout must not be null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout is " + timeout + "; expected a positive duration");
      }
      this.timeout = timeout;
      return this;
    }

    /** A key identifying this logical request: 1 to 256 non-blank characters, no control characters. */
    public Builder idempotencyKey(String key) {
      Objects.requireNonNull(key, "idempotency key must not be null");
      String problem = Names.keyProblem(key);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      this.idempotencyKey = key;
      return this;
    }

    /** Priority level {@code level}, 0 (the lowest) or more; the model's {@code priority.levels} bounds it. */
    public Builder priority(int level) {
      if (level < 0) {
        throw new IllegalArgumentException("priority is " + level + "; expected a level of 0 (the lowest) or more");
      }
      this.priority = level;
      return this;
    }

    /** The options. */
    public RequestOptions build() {
      return new RequestOptions(this);
    }
  }
}
