package dev.deduce.runtime;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** One accepted request on its way through queue, batch and engine; whoever wins {@link #claim} finishes it. */
final class Request {

  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int FINISHED = 2;

  final RequestRecord record;
  final ServingVersion version;
  final long rows;
  /** Requests are batched together only when their keys are equal: same version and same non-batch dimensions. */
  final List<Object> batchKey;
  final long submittedNanos;
  final long deadlineNanos;
  final CompletableFuture<InferenceResult> future;
  final Span span;
  volatile long enqueuedNanos;
  volatile ScheduledFuture<?> deadlineTimer;
  private final AtomicInteger state = new AtomicInteger(QUEUED);

  Request(RequestRecord record, ServingVersion version, long submittedNanos, long deadlineNanos,
      CompletableFuture<InferenceResult> future, Span span) {
    this.record = record;
    this.version = version;
    this.submittedNanos = submittedNanos;
    this.deadlineNanos = deadlineNanos;
    this.future = future;
    this.span = span;
    this.enqueuedNanos = submittedNanos;
    NamedTensors in = record.inputs();
    List<Object> key = new ArrayList<>();
    key.add(version);
    long r = 1;
    boolean first = true;
    for (Tensor t : in.asMap().values()) {
      long[] shape = t.shape();
      if (version.signature.batched() && shape.length > 0) {
        if (first) {
          r = shape[0];
          first = false;
        }
        shape[0] = -1;
      }
      key.add(t.dtype());
      key.add(java.util.Arrays.toString(shape));
    }
    this.rows = version.signature.batched() ? r : 1;
    this.batchKey = List.copyOf(key);
  }

  NamedTensors inputs() {
    return record.inputs();
  }

  /** Takes the request out of the queue to run it; false when its deadline already finished it. */
  boolean claim() {
    return state.compareAndSet(QUEUED, RUNNING);
  }

  /** Takes the request out of the queue to fail it; false when a batch already claimed it. */
  boolean expire() {
    return state.compareAndSet(QUEUED, FINISHED);
  }

  /** Marks a claimed request finished. */
  void finish() {
    state.set(FINISHED);
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  boolean expiredAt(long nowNanos) {
    return nowNanos - deadlineNanos >= 0;
  }
}
