package dev.deduce.runtime.internal.pipeline;

import dev.deduce.runtime.ModelSettings;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.TransientEngineException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The circuit breaker and retry of one model version (Resilience4j): the breaker sees one outcome per batch, retries
 * inside it only follow transient failures, back off exponentially with jitter, and never start past the deadline.
 */
final class Resilience {

  private final String name;
  private final CircuitBreaker breaker;
  private final IntervalFunction backoff;
  private final int maxAttempts;
  private final Runnable onRetry;

  Resilience(String model, String version, ModelSettings s, Runnable onRetry) {
    this.name = "model '" + model + "' version '" + version + "'";
    this.maxAttempts = s.retryMaxAttempts();
    this.onRetry = onRetry;
    this.backoff = IntervalFunction.ofExponentialRandomBackoff(s.retryInitialBackoff(), s.retryMultiplier(),
        s.retryJitter(), s.retryMaxBackoff());
    this.breaker = CircuitBreaker.of(model + ":" + version, CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(s.breakerSlidingWindowSize())
        .minimumNumberOfCalls(s.breakerMinimumCalls())
        .failureRateThreshold(s.breakerFailureRateThreshold())
        .waitDurationInOpenState(s.breakerOpenWait())
        .permittedNumberOfCallsInHalfOpenState(s.breakerHalfOpenCalls())
        // bad input and expired deadlines say nothing about the engine's health
        .recordException(e -> !(e instanceof DeduceException d) || d.kind().engineFailure())
        .build());
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * Takes the breaker's permit for one batch; every permit ends in {@link #succeeded}, {@link #failed} or
   * {@link #released}. The outcome is reported after the batch is settled, so a failure isolation traces to one
   * request's input never counts against the engine.
   *
   * @throws OverloadedException when the breaker is open
   */
  void acquire() {
    try {
      breaker.acquirePermission();
    } catch (CallNotPermittedException e) {
      throw new OverloadedException("circuit breaker of " + name + " is " + breaker.getState()
          + " after a failure rate of " + breaker.getMetrics().getFailureRate() + "%; expected the engine to"
          + " recover, try again later", e);
    }
  }

  /** Whether a batch would be let through now; a permit taken to find out is given back at once. */
  boolean permits() {
    if (breaker.tryAcquirePermission()) {
      breaker.releasePermission();
      return true;
    }
    return false;
  }

  /** The batch that took a permit at {@code startNanos} ran: the engine is healthy. */
  void succeeded(long startNanos) {
    breaker.onSuccess(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  /** The batch failed with {@code e}; the breaker counts it when it is the engine's kind of failure. */
  void failed(long startNanos, Throwable e) {
    breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, e);
  }

  /** The batch proved nothing about the engine (every failure was the callers'): the permit is returned unused. */
  void released() {
    breaker.releasePermission();
  }

  /**
   * Runs {@code call} with retries of transient failures within the deadline, inside a permit taken with
   * {@link #acquire}; {@code attempts[0]} counts the engine runs made.
   */
  <T> T attempt(Supplier<T> call, long deadlineNanos, int[] attempts) {
    Budget budget = new Budget(deadlineNanos);
    // A Retry per call lets its predicate and backoff see this call's deadline; the config values are per version.
    Retry retry = Retry.of(breaker.getName(), RetryConfig.<T>custom()
        .maxAttempts(maxAttempts)
        .retryOnException(e -> retryable(e) && budget.allowRetry(attempts[0]))
        .intervalBiFunction((attempt, outcome) -> budget.wait)
        .build());
    Supplier<T> counted = () -> {
      attempts[0]++;
      return call.get();
    };
    try {
      return Retry.decorateSupplier(retry, counted).get();
    } catch (TransientEngineException e) {
      if (budget.stoppedByDeadline) {
        throw new DeadlineExceededException(name + " failed transiently " + attempts[0] + " time(s) and another"
            + " retry would pass the request deadline; last failure: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private static boolean retryable(Throwable e) {
    return e instanceof DeduceException d && d.kind().retryable();
  }

  /** One call's retry state: the next wait, and whether the deadline stopped the retries. */
  private final class Budget {
    private final long deadlineNanos;
    private long wait;
    private boolean stoppedByDeadline;

    Budget(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }

    boolean allowRetry(int attemptsSoFar) {
      if (attemptsSoFar >= maxAttempts) {
        return true; // Retry rethrows once attempts are used up; nothing to wait for
      }
      long waitMillis = backoff.apply(attemptsSoFar);
      if (System.nanoTime() + waitMillis * 1_000_000L - deadlineNanos >= 0) {
        stoppedByDeadline = true;
        return false;
      }
      wait = waitMillis;
      onRetry.run();
      return true;
    }
  }
}
