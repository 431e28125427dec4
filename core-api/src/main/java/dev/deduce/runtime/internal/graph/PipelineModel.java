package dev.deduce.runtime.internal.graph;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Names;
import dev.deduce.api.RequestOptions;
import dev.deduce.runtime.MetricNames;
import dev.deduce.runtime.Pipeline;
import dev.deduce.runtime.internal.pipeline.RunContext;
import dev.deduce.spi.LoadedModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A bound {@link Pipeline} served as a model: one run submits each model step to the runtime as soon as the steps it
 * reads from are done (so it batches, is measured and traced in its own model's queue) and runs code steps inline.
 * Stateless between runs, so one instance serves every worker.
 */
public final class PipelineModel implements LoadedModel {

  /** The deadline of a run outside any request (warm-up): steps get this long. */
  private static final long UNBOUND_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final String name;
  private final List<PipelinePlan.Bound> steps;
  private final Map<String, PipelinePlan.Source> outputs;
  private final ModelSignature signature;
  private final InferenceService runtime;
  private final Map<String, Timer> timers = new LinkedHashMap<>();

  private PipelineModel(String name, PipelinePlan plan, InferenceService runtime, MeterRegistry registry) {
    this.name = name;
    this.steps = plan.steps();
    this.outputs = plan.outputs();
    this.signature = plan.signature();
    this.runtime = runtime;
    for (PipelinePlan.Bound s : steps) {
      timers.put(s.step().name(), Timer.builder(MetricNames.PIPELINE_STEP).description("one pipeline step, queue"
          + " and run").tags("pipeline", name, "step", s.step().name()).publishPercentiles(0.5, 0.95, 0.99)
          .register(registry));
    }
  }

  /**
   * Checks {@code pipeline} against what {@code runtime} serves and binds it as model {@code name}.
   *
   * @throws IllegalArgumentException naming the step and mapping at fault
   */
  public static LoadedModel bind(String name, Pipeline pipeline, InferenceService runtime, MeterRegistry registry) {
    return new PipelineModel(name, PipelinePlan.resolve(name, pipeline, runtime), runtime, registry);
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    RunContext ctx = RunContext.current();
    long deadline = ctx != null ? ctx.deadlineNanos() : System.nanoTime() + UNBOUND_NANOS;
    Map<String, CompletableFuture<NamedTensors>> done = new LinkedHashMap<>();
    for (PipelinePlan.Bound s : steps) {
      CompletableFuture<?>[] deps = s.after().stream().map(done::get).toArray(CompletableFuture<?>[]::new);
      boolean quiet = done.values().stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
      // nothing else in flight (a chain): run the step on this thread, where infer may run it at once on an idle
      // instance instead of handing it to a worker and back; otherwise start it when the steps it reads are done
      done.put(s.step().name(), quiet ? start(s, gather(s.inputs(), inputs, done), deadline, ctx, true)
          : CompletableFuture.allOf(deps).thenCompose(x -> start(s, gather(s.inputs(), inputs, done), deadline, ctx,
              false)));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(done.values().toArray(CompletableFuture<?>[]::new));
    try {
      all.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      List<String> open = done.entrySet().stream().filter(en -> !en.getValue().isDone()).map(Map.Entry::getKey)
          .toList();
      throw new DeadlineExceededException("pipeline '" + name + "' passed the request deadline with steps "
          + open + " unfinished; expected a longer timeout or faster steps");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadlineExceededException("pipeline '" + name + "' was interrupted", e);
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
    return gather(outputs, inputs, done);
  }

  /** Starts step {@code s}; {@code now} waits for a model step on this thread (which may run it) before returning. */
  private CompletableFuture<NamedTensors> start(PipelinePlan.Bound s, NamedTensors in, long deadline,
      RunContext ctx, boolean now) {
    Pipeline.Step step = s.step();
    String who = "pipeline '" + name + "' " + step.describe();
    Timer timer = timers.get(step.name());
    long t0 = System.nanoTime();
    Span span = ctx == null ? Span.getInvalid() : ctx.tracer().spanBuilder("deduce.pipeline.step")
        .setParent(Context.root().with(ctx.span())).setAttribute("deduce.pipeline", name)
        .setAttribute("deduce.step", step.name()).startSpan();
    CompletableFuture<NamedTensors> out;
    if (step.code() != null) {
      out = code(s, in, who);
    } else {
      int last = ctx == null ? 1 : ctx.attempt();
      out = now ? inferNow(step, in, deadline, ctx, last) : submit(step, in, deadline, ctx, 1, last);
    }
    return out.handle((res, e) -> {
      timer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
      if (e != null) {
        DeduceException named = named(who, e);
        span.recordException(named);
        span.setStatus(StatusCode.ERROR, named.kind().name());
        span.end();
        throw new CompletionException(named);
      }
      span.end();
      return res;
    });
  }

  /**
   * Submits a model step under the key of run {@code k}, of runs 1 to {@code last} of the pipeline request: a key
   * whose step failed answers its failure again (the store keeps the first outcome), so a retried pipeline tries the
   * keys of its earlier runs in turn, reusing a success, and runs the step afresh only under its own run's key.
   */
  private CompletableFuture<NamedTensors> submit(Pipeline.Step step, NamedTensors in, long deadline, RunContext ctx,
      int k, int last) {
    RequestOptions o = options(step, deadline, ctx, k);
    if (o == null) {
      return CompletableFuture.failedFuture(noTimeLeft(step));
    }
    CompletableFuture<NamedTensors> out = runtime.submit(step.model().orElseThrow(), step.version().orElse(null),
        in, o).thenApply(InferenceResult::outputs);
    return k >= last ? out : out.exceptionallyCompose(e -> submit(step, in, deadline, ctx, k + 1, last));
  }

  /** As {@link #submit}, waiting on this thread through {@code infer}. */
  private CompletableFuture<NamedTensors> inferNow(Pipeline.Step step, NamedTensors in, long deadline,
      RunContext ctx, int last) {
    for (int k = 1; ; k++) {
      RequestOptions o = options(step, deadline, ctx, k);
      if (o == null) {
        return CompletableFuture.failedFuture(noTimeLeft(step));
      }
      try {
        return CompletableFuture.completedFuture(runtime.infer(step.model().orElseThrow(),
            step.version().orElse(null), in, o).outputs());
      } catch (DeduceException e) {
        if (k >= last) {
          return CompletableFuture.failedFuture(e);
        }
      }
    }
  }

  /** The options of run {@code k} of a model step: the time left and the step's key; null when no time is left. */
  private static RequestOptions options(Pipeline.Step step, long deadline, RunContext ctx, int k) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      return null;
    }
    RequestOptions.Builder o = RequestOptions.builder().timeout(Duration.ofNanos(remaining));
    if (ctx != null) {
      o.idempotencyKey(key(ctx.requestId(), step.name(), k));
    }
    return o.build();
  }

  private DeadlineExceededException noTimeLeft(Pipeline.Step step) {
    return new DeadlineExceededException("pipeline '" + name + "' " + step.describe() + " had no time left before"
        + " the request deadline; expected a longer timeout");
  }

  private static CompletableFuture<NamedTensors> code(PipelinePlan.Bound s, NamedTensors in, String who) {
    NamedTensors out;
    try {
      out = s.step().code().function().apply(in);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    for (var spec : s.signature().outputs()) {
      if (out == null || !out.contains(spec.name())) {
        return CompletableFuture.failedFuture(new EngineException(who + " returned " + (out == null ? "null"
            : "outputs " + out.names()) + "; expected its signature's output '" + spec.name() + "'"));
      }
    }
    return CompletableFuture.completedFuture(out);
  }

  /** The tensors {@code sources} name, from the pipeline's inputs or finished steps. */
  private static NamedTensors gather(Map<String, PipelinePlan.Source> sources, NamedTensors inputs,
      Map<String, CompletableFuture<NamedTensors>> done) {
    NamedTensors.Builder b = NamedTensors.builder();
    sources.forEach((to, from) -> b.put(to, from.step() == null ? inputs.get(from.name())
        : done.get(from.step()).join().get(from.name())));
    return b.build();
  }

  /**
   * The idempotency key of a step in run {@code k} of a pipeline request: stable across a restart, so a resumed
   * pipeline finds the steps that finished.
   */
  static String key(String requestId, String step, int k) {
    String key = "pipeline/" + requestId + "/" + step + (k == 1 ? "" : "#" + k);
    return key.length() <= Names.MAX_KEY_LENGTH ? key
        : "pipeline/" + UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code e} as the exception its kind is thrown as, its message prefixed by the step. */
  private static DeduceException named(String who, Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (c instanceof DeduceException d) {
      DeduceException out = d.kind().exception(who + ": " + d.getMessage());
      out.addSuppressed(d); // the step's own trace; the kind's constructor leaves no room for a cause
      return out;
    }
    return new EngineException(who + " failed: " + c, c);
  }

  private static RuntimeException unwrap(Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return c instanceof RuntimeException r ? r : new EngineException("pipeline failed: " + c, c);
  }

  @Override
  public void close() {
    // the step models are served, and closed, on their own
  }
}
