package dev.deduce.runtime.internal.admission;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.StoreException;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.internal.durability.Append;
import dev.deduce.runtime.internal.durability.GroupCommitWriter;
import dev.deduce.runtime.internal.durability.StoredResults;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.runtime.internal.pipeline.BatchRunner;
import dev.deduce.runtime.internal.pipeline.ModelQueue;
import dev.deduce.runtime.internal.pipeline.Outcomes;
import dev.deduce.runtime.internal.pipeline.Request;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import dev.deduce.runtime.internal.serving.ModelRegistry;
import dev.deduce.spi.RequestRecord;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * Takes a request in: routes it, validates it (the only validation on the runtime path), answers a repeated
 * idempotency key, reserves queue room, then queues it under its deadline. In DURABLE mode it is handed to the store
 * writer and queued at once, so it computes (and batches fill as under NONE) while the store writes it; submit returns
 * once the store holds it, or by its deadline with a failed future (see {@link Acknowledgement}).
 */
public final class Admission implements AutoCloseable {

  private final ModelRegistry models;
  private final Durability durability;
  private final GroupCommitWriter writer;
  private final StoredResults stored;
  private final IdempotencyIndex idempotency;
  private final Outcomes outcomes;
  private final BatchRunner runner;
  private final RuntimeMetrics metrics;
  private final Tracer tracer;
  private final BooleanSupplier closing;
  private final Deadlines deadlines;
  private final ResponseCache cache; // null when nothing is stored
  private final Fallbacks fallbacks;

  /** Admission over {@code models}; {@code writer} and {@code stored} are null under durability NONE. */
  public Admission(ModelRegistry models, Durability durability, GroupCommitWriter writer, StoredResults stored,
      long idempotencyMaxBytes, Outcomes outcomes, BatchRunner runner, RuntimeMetrics metrics, Tracer tracer,
      BooleanSupplier closing) {
    this.models = models;
    this.durability = durability;
    this.writer = writer;
    this.stored = stored;
    this.idempotency = new IdempotencyIndex(idempotencyMaxBytes);
    this.outcomes = outcomes;
    this.runner = runner;
    this.metrics = metrics;
    this.tracer = tracer;
    this.closing = closing;
    this.deadlines = new Deadlines(outcomes);
    this.cache = stored == null ? null : new ResponseCache(stored.store(), metrics);
    this.fallbacks = new Fallbacks(models, metrics);
  }

  /**
   * Validates, records and queues a request; with {@code callerMayRun}, may run it now on this thread instead. Every
   * refusal, a null or malformed model name included, is a failed future, never a throw.
   */
  public CompletableFuture<InferenceResult> accept(String model, String version, NamedTensors inputs,
      RequestOptions options, boolean callerMayRun) {
    InvalidInputException badName = InputChecks.names(model, version);
    if (badName != null) {
      // a malformed name could hold anything, so it is not a metric tag
      return rejected(model == null ? "null" : "invalid", version, badName);
    }
    if (durability != Durability.DURABLE) {
      return admit(model, version, inputs, options, callerMayRun, null, model, 0);
    }
    // tells the writer a record is on its way, so a group it is gathering may wait for this one
    GroupCommitWriter.Arrival arrival = writer.arriving();
    try {
      return admit(model, version, inputs, options, false, arrival, model, 0);
    } finally {
      arrival.arrived();
    }
  }

  /**
   * Admits a request to {@code model}; {@code keyModel} is the model the caller named, whose namespace an
   * idempotency key belongs to, and {@code hops} counts the fallbacks taken to get here.
   */
  private CompletableFuture<InferenceResult> admit(String model, String version, NamedTensors inputs,
      RequestOptions options, boolean callerMayRun, GroupCommitWriter.Arrival arrival, String keyModel, int hops) {
    RequestOptions opts = options == null ? RequestOptions.defaults() : options;
    if (closing.getAsBoolean()) {
      return rejected(model, version, new OverloadedException("the runtime is closing; expected requests before"
          + " close()"));
    }
    ServingVersion v;
    try {
      v = models.acquire(model, version);
    } catch (DeduceException e) {
      return rejected(model, version, e);
    }
    try {
      v.signature().validate(inputs, v.settings().maxElements());
      InvalidInputException refused = InputChecks.inputs(v.signature(), inputs, v.settings().nonFiniteInputs());
      if (refused != null) {
        throw refused;
      }
    } catch (InvalidInputException e) {
      v.release();
      return rejected(model, v.version(), e);
    }
    int levels = v.settings().priority().levels();
    int level = opts.priority().orElse(v.settings().priority().defaultLevel());
    InvalidInputException badLevel = InputChecks.priority(level, levels, "model '" + model + "' version '"
        + v.version() + "'");
    if (badLevel != null) {
      if (hops == 0) {
        v.release();
        return rejected(model, v.version(), badLevel);
      }
      level = levels - 1; // a fallback with fewer levels serves a routed request at its highest
    }
    Fallbacks.Route route = fallbacks.route(v, opts, hops, level);
    if (route != null) {
      v.release();
      return admit(route.model(), route.version(), inputs, route.options(), callerMayRun, arrival, keyModel,
          hops + 1);
    }
    String key = opts.idempotencyKey().orElse(null);
    String id = key != null ? IdempotencyIndex.requestId(keyModel, key) : RequestIds.next();
    CompletableFuture<InferenceResult> future = new CompletableFuture<>();
    if (key != null) {
      CompletableFuture<InferenceResult> first = idempotency.putIfAbsent(keyModel, key, future);
      if (first != null) {
        v.release();
        return waitAtMost(first, opts.timeout().orElse(v.settings().deadline()), model,
            "the first request with idempotency key '" + key + "'");
      }
      Optional<CompletableFuture<InferenceResult>> earlier = stored == null ? Optional.empty()
          : stored.finished(id);
      if (earlier.isPresent()) {
        v.release();
        relay(earlier.get(), future);
        return future.copy();
      }
    }
    if (cache != null && v.settings().cache().enabled()) {
      ResponseCache.Decision d = cache.lookup(v, inputs);
      CompletableFuture<InferenceResult> answer = d.answer();
      if (answer == null && key == null && d.id() != null) {
        answer = cache.running(d.id(), future);
        id = answer == null ? d.id() : id;
      }
      if (answer != null) {
        v.release();
        relay(waitAtMost(answer, opts.timeout().orElse(v.settings().deadline()), model,
            "an identical request (response cache)"), future);
        return future.copy();
      }
    }
    Instant now = Instant.now();
    long nowNanos = System.nanoTime();
    Duration timeout = opts.timeout().orElse(v.settings().deadline());
    long deadlineNanos = nowNanos + timeout.toNanos();
    RequestRecord record = new RequestRecord(id, model, version == null ? "" : version, inputs, now,
        now.plus(timeout), key);
    boolean durable = durability == Durability.DURABLE;
    // DURABLE: the request computes while it is being stored; the caller hears only once both are done
    CompletableFuture<InferenceResult> computed = durable ? new CompletableFuture<>() : future;
    Request r = Request.start(tracer, record, v, level, nowNanos, deadlineNanos, computed, false);
    ModelQueue queue = models.queue(model);
    if (callerMayRun && !durable && v.callerMayRun()) {
      ServingVersion.Slot slot = queue.claimIdle(v);
      if (slot != null) {
        try {
          runner.run(v, slot, List.of(r));
        } finally {
          queue.release(slot);
        }
        return future; // completed by the run; only infer() sees it
      }
    }
    try {
      queue.reserve(level, v.settings().queue(level).maxWait());
    } catch (OverloadedException e) {
      return refused(r, keyModel, key, future, e);
    }
    if (durable) {
      Span persist = tracer.spanBuilder("deduce.persist").setParent(Context.root().with(r.span())).startSpan();
      Append append = writer.append(record, deadlineNanos, nowNanos + v.predictedWaitNanos(queue.depth()));
      CompletableFuture<Void> appended = append.stored();
      arrival.arrived(); // before waiting: a group must never wait for the very submit that waits for it
      if (appended.isCompletedExceptionally()) {
        persist.end();
        queue.unreserve(level);
        return refused(r, keyModel, key, future, failure(appended, id));
      }
      r.appended(append);
      Acknowledgement.wire(id, future, computed, appended, persist);
      queue.addReserved(r);
      deadlines.watch(r, queue, timeout.toNanos());
      // queued first, so it computes (and batches fill) while the store writes it; submit returns once stored
      Acknowledgement.await(id, future, appended, deadlineNanos, timeout);
      return future.copy();
    }
    queue.addReserved(r);
    deadlines.watch(r, queue, timeout.toNanos());
    return future.copy();
  }

  /** Completes {@code to} as {@code from} completes, unwrapping the completion wrapper of a derived future. */
  private static void relay(CompletableFuture<InferenceResult> from, CompletableFuture<InferenceResult> to) {
    from.whenComplete((res, e) -> {
      if (e != null) {
        to.completeExceptionally(e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e);
      } else {
        to.complete(res);
      }
    });
  }

  /** Queues a request recovered from the store, whatever the room: it was acknowledged before the restart. */
  void requeue(Request r, long remainingNanos) {
    ModelQueue queue = models.queue(r.record().model());
    queue.addRecovered(r);
    deadlines.watch(r, queue, Math.max(0, remainingNanos));
  }

  /** Registers a recovered request's idempotency key, so a repeat waits for it instead of running again. */
  void remember(RequestRecord record, CompletableFuture<InferenceResult> future) {
    if (record.idempotencyKey() != null) {
      idempotency.putIfAbsent(record.model(), record.idempotencyKey(), future);
    }
  }

  private static DeduceException failure(CompletableFuture<Void> stored, String id) {
    try {
      stored.join();
      throw new IllegalStateException("request " + id + " was stored; expected a failed append");
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      return c instanceof DeduceException de ? de
          : new StoreException("storing request " + id + " failed: " + c, c);
    }
  }

  /**
   * The first request's outcome, or a deadline failure after the repeat's own timeout: the first may be a recovered
   * request still waiting for its version to be deployed, which no deadline of its own bounds yet.
   */
  private static CompletableFuture<InferenceResult> waitAtMost(CompletableFuture<InferenceResult> first,
      Duration timeout, String model, String what) {
    return first.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(e ->
        CompletableFuture.failedFuture(e instanceof TimeoutException ? new DeadlineExceededException(what
            + " to model '" + model + "' did not finish within this "
            + "request's timeout of " + timeout + "; expected it to finish sooner, or a longer timeout", e) : e));
  }

  private CompletableFuture<InferenceResult> refused(Request r, String keyModel, String key,
      CompletableFuture<InferenceResult> future, DeduceException e) {
    if (key != null) {
      idempotency.remove(keyModel, key, future);
    }
    r.refuse(e);
    future.completeExceptionally(e);
    return rejected(r.record().model(), r.version().version(), e);
  }

  private CompletableFuture<InferenceResult> rejected(String model, String version, DeduceException e) {
    metrics.outcome(model, version == null ? "default" : version, e.kind().name());
    return CompletableFuture.failedFuture(e);
  }

  @Override
  public void close() {
    deadlines.close();
  }
}
