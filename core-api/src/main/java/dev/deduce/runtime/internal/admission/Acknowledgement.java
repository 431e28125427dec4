package dev.deduce.runtime.internal.admission;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.StoreException;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The DURABLE acknowledgement: a request computes while its append is on its way into the store, and its caller
 * hears of the result only once the store holds the request. A failed append fails the caller with the store's
 * error, and its computed result is dropped by the writer: nothing the store does not hold is acknowledged.
 */
final class Acknowledgement {

  private Acknowledgement() {}

  /**
   * Completes {@code caller} from {@code computed} once {@code stored} succeeds, or from {@code stored}'s failure;
   * {@code persist} (the span of the store write) ends with {@code stored}.
   */
  static void wire(String requestId, CompletableFuture<InferenceResult> caller,
      CompletableFuture<InferenceResult> computed, CompletableFuture<Void> stored, Span persist) {
    stored.whenComplete((ok, e) -> {
      if (e != null) {
        persist.recordException(e);
        caller.completeExceptionally(storeFailure(requestId, e));
      }
      persist.end();
    });
    computed.whenComplete((result, error) -> stored.whenComplete((ok, e) -> {
      if (e != null) {
        return; // the store failure already reached the caller
      }
      if (error != null) {
        caller.completeExceptionally(error instanceof CompletionException c && c.getCause() != null
            ? c.getCause() : error);
      } else {
        caller.complete(result);
      }
    }));
  }

  /**
   * Waits until the store holds the request, at most until {@code deadlineNanos}: then the caller fails with a
   * {@link DeadlineExceededException}, so one stalled store write holds no caller past its own deadline.
   */
  static void await(String requestId, CompletableFuture<InferenceResult> caller, CompletableFuture<Void> stored,
      long deadlineNanos, Duration timeout) {
    try {
      stored.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      caller.completeExceptionally(new DeadlineExceededException("request " + requestId + " was not stored within"
          + " its deadline of " + timeout + ": the store did not confirm the write, so it was not acknowledged (if"
          + " the store still takes it, a retry with its idempotency key returns its result)"));
    } catch (ExecutionException e) {
      // wire() has failed the caller with the store's error
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      caller.completeExceptionally(new StoreException("interrupted while waiting for the store to hold request "
          + requestId + "; it was not acknowledged", e));
    }
  }

  private static DeduceException storeFailure(String requestId, Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return c instanceof DeduceException de ? de
        : new StoreException("storing request " + requestId + " failed: " + c, c);
  }
}
