package dev.deduce.runtime.internal.admission;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.StoreException;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;

/**
 * The DURABLE acknowledgement: a request computes while its append is on its way into the store, and its caller
 * hears of the result only once the store holds the request. A failed append fails the caller with the store's
 * error; an append the store has not confirmed by the request's deadline fails it with a
 * {@link DeadlineExceededException}. Either way nothing the store does not hold is acknowledged.
 */
final class Acknowledgement {

  private Acknowledgement() {}

  /**
   * Completes {@code caller} from {@code computed} once {@code stored} succeeds, or from {@code stored}'s failure;
   * {@code persist} (the span of the store write) ends with {@code stored}.
   */
  static void wire(String requestId, CompletableFuture<InferenceResult> caller,
      CompletableFuture<InferenceResult> computed, CompletableFuture<Void> stored, Span persist, long deadlineNanos,
      Duration timeout, Deadlines timer) {
    stored.whenComplete((ok, e) -> {
      if (e != null) {
        persist.recordException(e);
        caller.completeExceptionally(storeFailure(requestId, e));
      }
      persist.end();
    });
    computed.whenComplete((result, error) -> {
      if (stored.isDone()) {
        settle(caller, stored, result, error);
        return;
      }
      // computed before the store confirmed: rare under a keeping-up store, and then the only wait that needs a bound
      ScheduledFuture<?> late = timer.after(deadlineNanos - System.nanoTime(), () ->
          caller.completeExceptionally(new DeadlineExceededException("request " + requestId + " was computed but"
              + " the store did not confirm storing it within its deadline of " + timeout + "; it was not"
              + " acknowledged (the store may still hold it, then a retry with its idempotency key returns it)")));
      stored.whenComplete((ok, e) -> {
        if (late != null) {
          late.cancel(false);
        }
        settle(caller, stored, result, error);
      });
    });
  }

  private static void settle(CompletableFuture<InferenceResult> caller, CompletableFuture<Void> stored,
      InferenceResult result, Throwable error) {
    if (stored.isCompletedExceptionally()) {
      return; // the store failure already reached the caller
    }
    if (error != null) {
      caller.completeExceptionally(error instanceof CompletionException c && c.getCause() != null
          ? c.getCause() : error);
    } else {
      caller.complete(result);
    }
  }

  private static DeduceException storeFailure(String requestId, Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return c instanceof DeduceException de ? de
        : new StoreException("storing request " + requestId + " failed: " + c, c);
  }
}
