package dev.deduce.runtime.internal.pipeline;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;

/**
 * The request a model is running for, on the thread that runs it, when its batch is that one request: lets a model
 * that calls other models (a pipeline) give its calls the request's remaining deadline, derive their idempotency keys
 * from its id and parent their spans to its span. Absent for a batch of several requests and for warm-up runs.
 *
 * @param requestId     the request's id
 * @param deadlineNanos its deadline on the {@link System#nanoTime()} clock
 * @param span          its span
 * @param tracer        the runtime's tracer
 */
public record RunContext(String requestId, long deadlineNanos, Span span, Tracer tracer) {

  private static final ThreadLocal<RunContext> CURRENT = new ThreadLocal<>();

  /** The context of the run on this thread, or null. */
  public static RunContext current() {
    return CURRENT.get();
  }

  /** Makes {@code r}'s context current (none when null) and returns the one it replaced, for {@link #restore}. */
  static RunContext enter(Request r, Tracer tracer) {
    RunContext before = CURRENT.get();
    CURRENT.set(r == null ? null : new RunContext(r.record.requestId(), r.deadlineNanos, r.span, tracer));
    return before;
  }

  static void restore(RunContext before) {
    if (before == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(before);
    }
  }
}
