package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.runtime.internal.durability.Append;
import dev.deduce.spi.RequestRecord;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One accepted request on its way through queue, batch and engine. It owns its span and its hold on the version: both
 * end in {@link #finish}, which every outcome (result, error, refusal) goes through exactly once.
 */
public final class Request {

  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int EXPIRED = 2;
  private static final int FINISHED = 3;

  final RequestRecord record;
  final ServingVersion version;
  final long rows;
  /** Priority level, 0 the lowest: higher levels are taken first and never share a batch with another level. */
  final int priority;
  /** Requests are batched together only when their keys are equal: same version and same non-batch dimensions. */
  final BatchKey batchKey;
  final long submittedNanos;
  final long deadlineNanos;
  final CompletableFuture<InferenceResult> future;
  final Span span;
  volatile long enqueuedNanos;
  private volatile ScheduledFuture<?> deadlineTimer;
  /** DURABLE: completes once the store holds the request; its result may only be stored after that. */
  private volatile Append appended;
  private final AtomicInteger state = new AtomicInteger(QUEUED);
  private final AtomicInteger finished = new AtomicInteger();

  private Request(RequestRecord record, ServingVersion version, int priority, long submittedNanos, long deadlineNanos,
      CompletableFuture<InferenceResult> future, Span span) {
    this.record = record;
    this.priority = priority;
    this.version = version;
    this.submittedNanos = submittedNanos;
    this.deadlineNanos = deadlineNanos;
    this.future = future;
    this.span = span;
    this.enqueuedNanos = submittedNanos;
    NamedTensors in = record.inputs();
    // dtype, rank, then the dims (batch dim and padded dim as -1) of each input, in input order
    int dims = 0;
    for (Tensor t : in.asMap().values()) {
      dims += t.rank();
    }
    long[] key = new long[1 + in.size() * 2 + dims];
    int k = 0;
    key[k++] = priority;
    long r = 1;
    boolean first = true;
    boolean batched = version.signature().batched();
    Padding padding = version.checks().padding();
    for (Map.Entry<String, Tensor> e : in.asMap().entrySet()) {
      Tensor t = e.getValue();
      long[] shape = t.shape();
      if (batched && shape.length > 0) {
        if (first) {
          r = shape[0];
          first = false;
        }
        shape[0] = -1;
      }
      int[] padded = padding == null ? null : padding.inputDims(e.getKey());
      if (padded != null) {
        for (int axis : padded) {
          shape[axis] = -1; // requests that differ only here share a batch, padded to one length
        }
      }
      key[k++] = t.dtype().ordinal();
      key[k++] = shape.length;
      System.arraycopy(shape, 0, key, k, shape.length);
      k += shape.length;
    }
    this.rows = batched ? r : 1;
    this.batchKey = new BatchKey(version, key);
  }

  /**
   * Starts a request routed to {@code version} (which it now holds) and its span; admission and recovery both come
   * here, so a recovered request is traced and timed exactly as a new one.
   */
  public static Request start(Tracer tracer, RequestRecord record, ServingVersion version, long submittedNanos,
      long deadlineNanos, CompletableFuture<InferenceResult> future, boolean recovered) {
    return start(tracer, record, version, version.settings().priority().defaultLevel(), submittedNanos,
        deadlineNanos, future, recovered);
  }

  /** As {@link #start(Tracer, RequestRecord, ServingVersion, long, long, CompletableFuture, boolean)}, at a level. */
  public static Request start(Tracer tracer, RequestRecord record, ServingVersion version, int priority,
      long submittedNanos, long deadlineNanos, CompletableFuture<InferenceResult> future, boolean recovered) {
    var builder = tracer.spanBuilder("deduce.request").setAttribute("deduce.model", record.model())
        .setAttribute("deduce.version", version.version()).setAttribute("deduce.request.id", record.requestId());
    if (recovered) {
      builder.setAttribute("deduce.recovered", true);
    }
    if (priority != 0) {
      builder.setAttribute("deduce.priority", priority);
    }
    return new Request(record, version, priority, submittedNanos, deadlineNanos, future, builder.startSpan());
  }

  public RequestRecord record() {
    return record;
  }

  public ServingVersion version() {
    return version;
  }

  /** The priority level. */
  public int priority() {
    return priority;
  }

  public Span span() {
    return span;
  }

  public CompletableFuture<InferenceResult> future() {
    return future;
  }

  /** Makes the result follow {@code append} (the request's, DURABLE mode) into the store. */
  public void appended(Append append) {
    this.appended = append;
  }

  Append appended() {
    return appended;
  }

  NamedTensors inputs() {
    return record.inputs();
  }

  /** Takes the request out of the queue to run it; false when its deadline already took it. */
  boolean claim() {
    return state.compareAndSet(QUEUED, RUNNING);
  }

  /** Takes the request out of the queue to fail it as expired; false when a batch already claimed it. */
  public boolean expire() {
    return state.compareAndSet(QUEUED, EXPIRED);
  }

  /** Lets the deadline timer take the request from the queue if it is still waiting when the timer fires. */
  public void deadlineTimer(ScheduledFuture<?> timer) {
    this.deadlineTimer = timer;
  }

  boolean expiredAt(long nowNanos) {
    return nowNanos - deadlineNanos >= 0;
  }

  /**
   * Refuses a request before it was queued (queue full, store failure): the caller sees {@code e}, nothing was
   * acknowledged.
   */
  public void refuse(DeduceException e) {
    finish(e, null);
  }

  /** Ends the span, releases the version and completes the future, once; {@code error} null means success. */
  void finish(DeduceException error, InferenceResult result) {
    if (!finished.compareAndSet(0, 1)) {
      return;
    }
    state.set(FINISHED);
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
    if (error != null) {
      span.recordException(error);
      span.setStatus(StatusCode.ERROR, error.kind().name());
    }
    span.end();
    version.release();
    if (error != null) {
      future.completeExceptionally(error);
    } else {
      future.complete(result);
    }
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
      this.hash = 31 * System.identityHashCode(version) + Arrays.hashCode(dims);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BatchKey b && b.version == version && Arrays.equals(b.dims, dims);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
