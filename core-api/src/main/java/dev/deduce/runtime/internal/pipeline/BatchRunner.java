package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.LoadedModel;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.concurrent.TimeUnit;

/** Runs one batch: drops expired requests, concatenates, runs through resilience, splits outputs per caller. */
public final class BatchRunner {

  private final Outcomes outcomes;
  private final Tracer tracer;

  /** A runner that finishes requests through {@code outcomes} and traces with {@code tracer}. */
  public BatchRunner(Outcomes outcomes, Tracer tracer) {
    this.outcomes = outcomes;
    this.tracer = tracer;
  }

  /** Runs {@code taken} on the instance of {@code v} that {@code slot} holds. */
  public void run(ServingVersion v, ServingVersion.Slot slot, List<Request> taken) {
    LoadedModel model = slot.model;
    long start = System.nanoTime();
    List<Request> batch = new ArrayList<>(taken.size());
    for (Request r : taken) {
      if (r.expiredAt(start)) {
        if (r.expire()) {
          outcomes.fail(r, expired(r), 0);
        }
      } else if (r.claim()) {
        batch.add(r);
        queueSpan(r, start);
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    long totalRows = 0;
    long deadline = batch.get(0).deadlineNanos;
    for (Request r : batch) {
      totalRows += r.rows;
      if (r.deadlineNanos - deadline < 0) {
        deadline = r.deadlineNanos; // the batch retries only while every member may still wait
      }
    }
    SpanBuilder sb = tracer.spanBuilder("deduce.run").setAttribute("deduce.model", v.model())
        .setAttribute("deduce.version", v.version()).setAttribute("deduce.batch.requests", batch.size())
        .setAttribute("deduce.batch.rows", totalRows);
    for (Request r : batch) {
      sb.addLink(r.span.getSpanContext());
    }
    Span span = sb.startSpan();
    int[] attempts = {0};
    try {
      v.resilience.acquire();
    } catch (DeduceException e) {
      failAll(batch, e, 0, span);
      span.end();
      return;
    }
    try {
      v.meters().batchSize.record(totalRows);
      List<NamedTensors> split = execute(v, model, batch, deadline, attempts);
      long compute = System.nanoTime() - start;
      v.meters().compute.record(Duration.ofNanos(compute));
      v.ran(compute);
      v.resilience.succeeded(start);
      Outcomes.Run run = new Outcomes.Run(start, compute, attempts[0], batch.size());
      Finisher finisher = v.finisher();
      // a lone request is finished here: one wake-up either way, and a hand-over would only add latency
      if (finisher != null && batch.size() > 1 && v.fullBatchWaiting()) {
        finisher.execute(() -> succeedAll(batch, split, run));
      } else {
        succeedAll(batch, split, run);
      }
    } catch (DeduceException e) {
      if (Isolation.applies(e)) {
        span.addEvent("isolating the failure: " + e.kind());
        new Isolation(this, outcomes, v, model, start, attempts).settle(batch, e);
      } else {
        v.resilience.failed(start, e);
        failAll(batch, e, attempts[0], span);
      }
    } finally {
      span.setAttribute("deduce.attempts", attempts[0]);
      span.end();
    }
  }

  /**
   * Runs {@code part} as one engine run (with retries of transient failures) and returns each request's outputs.
   *
   * @throws DeduceException what the engine threw, any other exception as an {@link EngineException}
   */
  List<NamedTensors> execute(ServingVersion v, LoadedModel model, List<Request> part, long deadline,
      int[] attempts) {
    UnaryOperator<NamedTensors> engine = in -> v.resilience.attempt(() -> model.runAdmitted(in), deadline, attempts);
    String who = v.who();
    Padding padding = v.checks().padding();
    RunContext before = RunContext.enter(part.size() == 1 ? part.get(0) : null, tracer, attempts);
    try {
      if (part.size() == 1) {
        Request r = part.get(0);
        if (r.rows > v.batcher.maxRows() && v.batches()) {
          return List.of(Assembly.runInParts(who, r.inputs(), r.rows, v.batcher.maxRows(), padding, engine));
        }
        if (padding == null) {
          return List.of(engine.apply(r.inputs()));
        }
      }
      long[] rows = new long[part.size()];
      List<NamedTensors> parts = new ArrayList<>(part.size());
      for (int i = 0; i < part.size(); i++) {
        rows[i] = part.get(i).rows;
        parts.add(part.get(i).inputs());
      }
      return Assembly.run(who, parts, rows, padding, engine);
    } catch (DeduceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new EngineException(who + " failed: " + e, e);
    } finally {
      RunContext.restore(before);
    }
  }

  /** Finishes each request of a batch that ran; one that cannot be finished fails alone, never strands the rest. */
  private void succeedAll(List<Request> batch, List<NamedTensors> split, Outcomes.Run run) {
    for (int i = 0; i < batch.size(); i++) {
      Request r = batch.get(i);
      try {
        outcomes.succeed(r, split.get(i), run);
      } catch (RuntimeException e) {
        outcomes.fail(r, new EngineException("request " + r.record.requestId() + " ran but could not be finished: "
            + e + "; expected its metrics and store hand-over to work", e), run.attempts());
      }
    }
  }

  void failAll(List<Request> batch, DeduceException e, int attempts, Span span) {
    span.recordException(e);
    span.setStatus(StatusCode.ERROR, e.kind().name());
    for (Request r : batch) {
      outcomes.fail(r, e, attempts);
    }
  }

  private void queueSpan(Request r, long startNanos) {
    long waited = startNanos - r.submittedNanos;
    Span s = tracer.spanBuilder("deduce.queue").setParent(io.opentelemetry.context.Context.root().with(r.span))
        .setStartTimestamp(System.currentTimeMillis() * 1_000_000L - waited, TimeUnit.NANOSECONDS).startSpan();
    s.end();
  }

  public static DeadlineExceededException expired(Request r) {
    return new DeadlineExceededException("request " + r.record.requestId() + " to model '" + r.version.model()
        + "' waited in the queue past its deadline of " + r.record.deadline() + " and never ran; expected it to"
        + " start in time: give it a longer timeout, lower the load or add instances");
  }
}
