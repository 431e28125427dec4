package dev.deduce.runtime;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import io.opentelemetry.api.trace.Span;
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
  final BatchKey batchKey;
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
    // dtype ordinal, rank, then the dims (batch dim as -1) of each input, in input order
    int dims = 0;
    for (Tensor t : in.asMap().values()) {
      dims += t.rank();
    }
    long[] key = new long[in.size() * 2 + dims];
    int k = 0;
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
      key[k++] = t.dtype().ordinal();
      key[k++] = shape.length;
      System.arraycopy(shape, 0, key, k, shape.length);
      k += shape.length;
    }
    this.rows = version.signature.batched() ? r : 1;
    this.batchKey = new BatchKey(version, key);
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

  /**
   * Version, dtypes and non-batch shapes of a request's inputs. Compared as numbers rather than built as strings: the
   * key is made for every request, and string building showed up in profiles of the batched path.
   */
  static final class BatchKey {
    private final ServingVersion version;
    private final long[] dims;
    private final int hash;

    BatchKey(ServingVersion version, long[] dims) {
      this.version = version;
      this.dims = dims;
      this.hash = 31 * System.identityHashCode(version) + java.util.Arrays.hashCode(dims);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BatchKey b && b.version == version && java.util.Arrays.equals(b.dims, dims);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
