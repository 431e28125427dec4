package dev.deduce.runtime.internal.stream;

import dev.deduce.api.InferenceResult;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Streams inputs through the runtime in order: it pulls an input only when the subscriber has asked for a result
 * that input would fill, keeps at most {@code maxInFlight} outstanding, and emits results in input order.
 *
 * @param <T> what one input is: the inputs of a request, or those with options of their own
 */
public final class OrderedStream<T> implements Flow.Publisher<InferenceResult> {

  private final Flow.Publisher<T> inputs;
  private final Function<T, CompletableFuture<InferenceResult>> submit;
  private final int maxInFlight;

  /** Streams {@code inputs} through {@code submit}, at most {@code maxInFlight} outstanding. */
  public OrderedStream(Flow.Publisher<T> inputs, Function<T, CompletableFuture<InferenceResult>> submit,
      int maxInFlight) {
    this.inputs = inputs;
    this.submit = submit;
    this.maxInFlight = maxInFlight;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super InferenceResult> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber must not be null");
    inputs.subscribe(new Bridge(subscriber));
  }

  /** Subscriber to the inputs and subscription for the results; all signals out go through one drain loop. */
  private final class Bridge implements Flow.Subscriber<T>, Flow.Subscription {
    private final Flow.Subscriber<? super InferenceResult> down;
    private final ConcurrentLinkedQueue<CompletableFuture<InferenceResult>> inFlight = new ConcurrentLinkedQueue<>();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicLong requestedUp = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicInteger inFlightCount = new AtomicInteger();
    private volatile Flow.Subscription up;
    private volatile boolean upDone;
    private volatile Throwable upError;
    private volatile boolean cancelled;
    private volatile Throwable badRequest;
    private boolean terminated;

    Bridge(Flow.Subscriber<? super InferenceResult> down) {
      this.down = down;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      if (up != null) {
        s.cancel();
        return;
      }
      up = s;
      down.onSubscribe(this);
      drain();
    }

    @Override
    public void onNext(T item) {
      CompletableFuture<InferenceResult> f;
      try {
        f = submit.apply(item);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      inFlight.add(f);
      inFlightCount.incrementAndGet();
      requestedUp.decrementAndGet();
      f.whenComplete((r, e) -> drain());
    }

    @Override
    public void onError(Throwable t) {
      upError = t;
      upDone = true;
      drain();
    }

    @Override
    public void onComplete() {
      upDone = true;
      drain();
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        badRequest = new IllegalArgumentException("request(" + n + ") on a result stream; expected a positive"
            + " count (Reactive Streams rule 3.9)");
      } else {
        demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
      }
      drain();
    }

    @Override
    public void cancel() {
      cancelled = true;
      drain();
    }

    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      do {
        if (!terminated) {
          step();
        }
      } while (wip.decrementAndGet() != 0);
    }

    private void step() {
      Flow.Subscription s = up;
      if (cancelled || badRequest != null) {
        terminated = true;
        inFlight.clear();
        if (s != null) {
          s.cancel();
        }
        if (!cancelled) {
          down.onError(badRequest);
        }
        return;
      }
      while (true) {
        CompletableFuture<InferenceResult> head = inFlight.peek();
        if (head == null || !head.isDone()) {
          break;
        }
        if (head.isCompletedExceptionally()) {
          terminated = true;
          if (s != null) {
            s.cancel();
          }
          down.onError(cause(head));
          return;
        }
        if (demand.get() == 0) {
          break;
        }
        inFlight.poll();
        inFlightCount.decrementAndGet();
        demand.decrementAndGet();
        down.onNext(head.join());
        if (cancelled) {
          return; // handled on the next pass
        }
      }
      if (upDone && inFlight.isEmpty()) {
        terminated = true;
        if (upError != null) {
          down.onError(upError);
        } else {
          down.onComplete();
        }
        return;
      }
      if (s != null && !upDone) {
        long want = Math.min(demand.get(), maxInFlight) - inFlightCount.get() - requestedUp.get();
        if (want > 0) {
          requestedUp.addAndGet(want);
          s.request(want);
        }
      }
    }

    private Throwable cause(CompletableFuture<InferenceResult> f) {
      try {
        f.join();
        return new IllegalStateException("future completed normally");
      } catch (CompletionException e) {
        return e.getCause() == null ? e : e.getCause();
      } catch (java.util.concurrent.CancellationException e) {
        return e;
      }
    }
  }
}
