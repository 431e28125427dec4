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
 * @param attempts      engine runs of this batch so far, this one included ({@code attempts[0]}), updated by retries
 */
public record RunContext(String requestId, long deadlineNanos, Span span, Tracer tracer, int[] attempts) {

  private static final ThreadLocal<RunContext> CURRENT = new ThreadLocal<>();

  /** The context of the run on this thread, or null. */
  public static RunContext current() {
    return CURRENT.get();
  }

  /** Makes {@code r}'s context current (none when null) and returns the one it replaced, for {@link #restore}. */
  static RunContext enter(Request r, Tracer tracer, int[] attempts) {
    RunContext before = CURRENT.get();
    CURRENT.set(r == null ? null : new RunContext(r.record.requestId(), r.deadlineNanos, r.span, tracer, attempts));
    return before;
  }

  /** Which run of the request this is: 1, or more when a transient failure was retried. */
  public int attempt() {
    return Math.max(1, attempts[0]);
  }

  static void restore(RunContext before) {
    if (before == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(before);
    }
  }
}
