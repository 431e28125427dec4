package dev.deduce.runtime;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embeddable Deduce runtime: validates, queues, batches, runs, retries and records requests, with no DI container.
 *
 * <p>Build with {@link #builder()}, then {@link #deploy} model versions. The most recently deployed version of a
 * model serves requests that name no version until {@link #setDefaultVersion} picks another; {@link #retire} stops
 * routing to a version, lets its requests finish, then closes its models, so swapping versions never fails a request.
 * With a store, requests a DURABLE run left PENDING are re-run once their model (and version, if they named one) is
 * deployed. A result replayed from the store for a repeated idempotency key reports zero times and batch size 0.
 */
public final class DeduceRuntime implements InferenceService {

  private static final Logger LOG = LoggerFactory.getLogger(DeduceRuntime.class);

  private final RuntimeSettings settings;
  private final Durability durability;
  private final Store store;
  private final Map<String, List<InferenceEngine>> enginesByFormat;
  private final Map<String, InferenceEngine> enginesById;
  private final RuntimeMetrics metrics;
  private final Tracer tracer;
  private final GroupCommitWriter writer;
  private final Outcomes outcomes;
  private final BatchRunner runner;
  private final IdempotencyIndex idempotency;
  private final ScheduledThreadPoolExecutor deadlines;
  private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
  private final Map<String, List<RequestRecord>> recoveryBacklog = new ConcurrentHashMap<>();
  private final AtomicBoolean closing = new AtomicBoolean();

  /** One model: its queue, its deployed versions in deployment order, and the version serving unversioned calls. */
  private static final class ModelEntry {
    final String name;
    final ModelQueue queue;
    final LinkedHashMap<String, ServingVersion> versions = new LinkedHashMap<>();
    volatile ServingVersion serving;

    ModelEntry(String name, ModelQueue queue) {
      this.name = name;
      this.queue = queue;
    }
  }

  private DeduceRuntime(Builder b) {
    this.settings = b.settings != null ? b.settings : RuntimeSettings.load();
    this.durability = b.durability != null ? b.durability : settings.durability();
    this.store = b.store;
    if (durability != Durability.NONE && store == null) {
      throw new IllegalStateException("durability " + durability + " needs a store; expected builder.store(...)"
          + " or durability NONE");
    }
    this.enginesByFormat = new HashMap<>();
    this.enginesById = new java.util.TreeMap<>();
    for (InferenceEngine e : b.engines) {
      InferenceEngine prev = enginesById.putIfAbsent(e.id(), e);
      if (prev == e) {
        continue;
      }
      if (prev != null) {
        throw new IllegalArgumentException("two engines have the id '" + e.id() + "' (" + prev.getClass().getName()
            + " and " + e.getClass().getName() + "); expected unique engine ids");
      }
      for (String format : e.formats()) {
        enginesByFormat.computeIfAbsent(format, f -> new ArrayList<>()).add(e);
      }
    }
    this.metrics = new RuntimeMetrics(b.registry != null ? b.registry : new SimpleMeterRegistry());
    this.tracer = b.tracer != null ? b.tracer : GlobalOpenTelemetry.getTracer("dev.deduce.runtime");
    this.writer = durability == Durability.NONE ? null : new GroupCommitWriter(store, settings, metrics, tracer);
    this.outcomes = new Outcomes(writer);
    this.runner = new BatchRunner(outcomes, tracer);
    this.idempotency = new IdempotencyIndex(settings.idempotencyMaxKeys());
    this.deadlines = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "deduce-deadlines");
      t.setDaemon(true);
      return t;
    });
    deadlines.setRemoveOnCancelPolicy(true);
    if (store != null && durability != Durability.NONE) {
      for (RequestRecord r : store.pending()) {
        recoveryBacklog.computeIfAbsent(r.model(), m -> new ArrayList<>()).add(r);
      }
      if (!recoveryBacklog.isEmpty()) {
        LOG.info("recovering PENDING requests for models {}; each re-runs once its model is deployed",
            recoveryBacklog.keySet());
      }
    }
  }

  /** A builder with no engines, no store, a SimpleMeterRegistry, the global tracer and {@link RuntimeSettings#load()}. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ model lifecycle

  /**
   * Serves {@code loaded} as {@code model} at {@code version} after running the warm-up inputs, and makes it the
   * version that serves unversioned requests. Up to {@code settings.instances()} runs share {@code loaded} at once, so
   * it must be thread-safe when instances exceed 1. The runtime owns {@code loaded} from now on and closes it on
   * retire, on close, or when warm-up fails.
   *
   * @throws IllegalStateException when the version is already deployed or the runtime is closing
   * @throws EngineException when a warm-up input fails
   */
  public void deploy(String model, String version, LoadedModel loaded, ModelSettings settings) {
    Objects.requireNonNull(loaded, "loaded model must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    List<LoadedModel> instances = new ArrayList<>();
    for (int i = 0; i < settings.instances(); i++) {
      instances.add(loaded);
    }
    install(model, version, instances, settings, false, true);
  }

  /**
   * Loads {@code source} with the engine for its format and deploys it as {@link #deploy(String, String, LoadedModel,
   * ModelSettings)} does; an engine whose models are not thread-safe loads one copy per instance.
   *
   * @throws ModelLoadException naming the file when no engine takes the format or loading fails
   */
  public void deploy(String model, String version, ModelSource source, ModelSettings settings) {
    Objects.requireNonNull(source, "model source must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    List<InferenceEngine> candidates = enginesByFormat.getOrDefault(source.format(), List.of());
    if (candidates.isEmpty()) {
      throw new ModelLoadException(source.path(), "no engine loads format '" + source.format()
          + "'; expected one of " + enginesByFormat.keySet());
    }
    if (candidates.size() > 1) {
      throw new ModelLoadException(source.path(), "format '" + source.format() + "' is loaded by several engines "
          + candidates.stream().map(InferenceEngine::id).toList() + "; expected a model repository config naming"
          + " the engine id");
    }
    InferenceEngine engine = candidates.get(0);
    List<LoadedModel> instances = new ArrayList<>();
    try {
      if (engine.threadSafeModels()) {
        LoadedModel m = engine.load(source);
        for (int i = 0; i < settings.instances(); i++) {
          instances.add(m);
        }
      } else {
        for (int i = 0; i < settings.instances(); i++) {
          instances.add(engine.load(source));
        }
      }
    } catch (RuntimeException e) {
      closeAll(instances);
      throw e;
    }
    install(model, version, instances, settings, false, true);
  }

  /**
   * The model repository's deploy: loads {@code source} with engine {@code engineId}, lets {@code signature} adjust the signature the engine
   * reports and {@code settingsFor} pick settings for it (warm-up inputs may depend on the signature), then warms up.
   * With {@code replace}, a deployed version of the same name is swapped out atomically and retired; otherwise that
   * is an error. The new version becomes the default only when the model has none, or it replaces the default.
   *
   * @return the retirement of the replaced version, or a completed future
   */
  CompletableFuture<Void> deploy(String model, String version, String engineId, ModelSource source,
      UnaryOperator<ModelSignature> signature, Function<ModelSignature, ModelSettings> settingsFor, boolean replace) {
    InferenceEngine engine = enginesById.get(engineId);
    if (engine == null || !engine.formats().contains(source.format())) {
      throw new ModelLoadException(source.path(), "no engine '" + engineId + "' loads format '" + source.format()
          + "'; expected one of " + engineFormats());
    }
    List<LoadedModel> instances = new ArrayList<>();
    try {
      LoadedModel first = engine.load(source);
      instances.add(first);
      ModelSignature sig = signature.apply(first.signature());
      ModelSettings s = settingsFor.apply(sig);
      for (int i = 1; i < s.instances(); i++) {
        instances.add(engine.threadSafeModels() ? first : engine.load(source));
      }
      if (!sig.equals(first.signature())) {
        List<LoadedModel> adapted = new ArrayList<>();
        java.util.IdentityHashMap<LoadedModel, LoadedModel> seen = new java.util.IdentityHashMap<>();
        for (LoadedModel m : instances) {
          adapted.add(seen.computeIfAbsent(m, x -> new SignatureOverride(x, sig)));
        }
        instances = adapted;
      }
      return install(model, version, instances, s, replace, false);
    } catch (RuntimeException e) {
      closeAll(instances);
      throw e;
    }
  }

  /** Engine id to the formats it loads. */
  Map<String, java.util.Set<String>> engineFormats() {
    Map<String, java.util.Set<String>> out = new java.util.TreeMap<>();
    for (InferenceEngine e : enginesById.values()) {
      out.computeIfAbsent(e.id(), id -> new java.util.TreeSet<>()).addAll(e.formats());
    }
    return out;
  }

  /** Whether close() has begun. */
  boolean closed() {
    return closing.get();
  }

  MeterRegistry meterRegistry() {
    return metrics.registry();
  }

  RuntimeSettings settings() {
    return settings;
  }

  /**
   * Makes {@code version} serve requests to {@code model} that name no version; in-flight requests are unaffected.
   *
   * @throws ModelNotFoundException when that version is not deployed
   */
  public void setDefaultVersion(String model, String version) {
    ModelEntry e = entry(model);
    synchronized (e) {
      ServingVersion v = e.versions.get(version);
      if (v == null) {
        throw notFound(e, version);
      }
      e.serving = v;
    }
  }

  /** The version serving requests to {@code model} that name none, if any. */
  public Optional<String> defaultVersion(String model) {
    ModelEntry e = models.get(model);
    ServingVersion v = e == null ? null : e.serving;
    return Optional.ofNullable(v).map(s -> s.version);
  }

  /** The deployed versions of {@code model}, oldest deployment first; empty for an unknown model. */
  public List<String> versions(String model) {
    ModelEntry e = models.get(model);
    if (e == null) {
      return List.of();
    }
    synchronized (e) {
      return List.copyOf(e.versions.keySet());
    }
  }

  /**
   * Stops routing new requests to {@code version}; if it was the default, the most recently deployed remaining
   * version takes over. The future completes once its requests have finished and its models are closed.
   *
   * @throws ModelNotFoundException when that version is not deployed
   */
  public CompletableFuture<Void> retire(String model, String version) {
    ModelEntry e = entry(model);
    ServingVersion v;
    synchronized (e) {
      v = e.versions.remove(version);
      if (v == null) {
        throw notFound(e, version);
      }
      if (e.serving == v) {
        ServingVersion next = null;
        for (ServingVersion s : e.versions.values()) {
          next = s;
        }
        e.serving = next;
      }
    }
    return v.retire();
  }

  /** Settings for {@code model} from the runtime's configuration (per-model keys over the defaults). */
  public ModelSettings settingsFor(String model) {
    return settings.model(model);
  }

  /** The durability mode in force. */
  public Durability durability() {
    return durability;
  }

  // ------------------------------------------------------------------ InferenceService

  @Override
  public CompletableFuture<InferenceResult> submit(String model, String version, NamedTensors inputs,
      RequestOptions options) {
    return accept(model, version, inputs, options, false);
  }

  /**
   * Submits and waits. When the model's queue is empty, an instance is idle, the batcher would send the request alone
   * at once (batching off, or a zero queue delay) and durability is not DURABLE, the request runs on the calling
   * thread: the same deadline, breaker, retries, metrics, spans and result record, without the hand-off to a worker
   * and back. {@link #submit} never runs a request on its caller, so it stays non-blocking.
   */
  @Override
  public InferenceResult infer(String model, String version, NamedTensors inputs, RequestOptions options) {
    CompletableFuture<InferenceResult> f = accept(model, version, inputs, options, true);
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadlineExceededException("interrupted while waiting for model '" + model + "'", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      if (c instanceof DeduceException de) {
        throw de;
      }
      throw new EngineException("request to model '" + model + "' failed: " + c, c);
    }
  }

  /** Validates, records and queues a request; with {@code callerMayRun}, may run it now on this thread instead. */
  private CompletableFuture<InferenceResult> accept(String model, String version, NamedTensors inputs,
      RequestOptions options, boolean callerMayRun) {
    Objects.requireNonNull(model, "model must not be null");
    RequestOptions opts = options == null ? RequestOptions.defaults() : options;
    if (closing.get()) {
      return rejected(model, version, new OverloadedException("the runtime is closing; expected requests before"
          + " close()"));
    }
    ServingVersion v;
    try {
      v = acquire(model, version);
    } catch (DeduceException e) {
      return rejected(model, version, e);
    }
    try {
      v.signature.validate(inputs, v.settings.maxElements());
    } catch (InvalidInputException e) {
      v.release();
      return rejected(model, v.version, e);
    }
    String key = opts.idempotencyKey().orElse(null);
    String id = key != null ? IdempotencyIndex.requestId(model, key) : RequestIds.next();
    CompletableFuture<InferenceResult> future = new CompletableFuture<>();
    if (key != null) {
      CompletableFuture<InferenceResult> first = idempotency.putIfAbsent(model, key, future);
      if (first != null) {
        v.release();
        return first.copy();
      }
      Optional<CompletableFuture<InferenceResult>> stored = storedResult(model, id);
      if (stored.isPresent()) {
        v.release();
        stored.get().whenComplete((r, e) -> {
          if (e != null) {
            future.completeExceptionally(e);
          } else {
            future.complete(r);
          }
        });
        return future.copy();
      }
    }
    Instant now = Instant.now();
    long nowNanos = System.nanoTime();
    Duration timeout = opts.timeout().orElse(v.settings.deadline());
    RequestRecord record = new RequestRecord(id, model, version == null ? "" : version, inputs, now,
        now.plus(timeout), key);
    Span span = tracer.spanBuilder("deduce.request").setAttribute("deduce.model", model)
        .setAttribute("deduce.version", v.version).setAttribute("deduce.request.id", id).startSpan();
    Request r = new Request(record, v, nowNanos, nowNanos + timeout.toNanos(), future, span);
    ModelQueue queue = models.get(model).queue;
    if (callerMayRun && durability != Durability.DURABLE && v.callerMayRun()) {
      ServingVersion.Slot slot = queue.claimIdle(v);
      if (slot != null) {
        try {
          runner.run(v, slot.model, List.of(r));
        } finally {
          queue.release(slot);
        }
        return future; // completed by the run; only infer() sees it
      }
    }
    try {
      queue.reserve(v.settings.queueMaxWait());
    } catch (OverloadedException e) {
      return unaccepted(r, key, e);
    }
    if (durability == Durability.DURABLE) {
      Span persist = tracer.spanBuilder("deduce.persist").setParent(io.opentelemetry.context.Context.root()
          .with(span)).startSpan();
      try {
        writer.append(record).get();
      } catch (ExecutionException e) {
        queue.unreserve();
        Throwable c = e.getCause();
        return unaccepted(r, key, c instanceof DeduceException de ? de
            : new StoreException("storing request " + id + " failed: " + c, c));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        queue.unreserve();
        return unaccepted(r, key, new StoreException("interrupted while storing request " + id, e));
      } finally {
        persist.end();
      }
    }
    queue.addReserved(r);
    scheduleDeadline(r, timeout.toNanos());
    return future.copy();
  }

  @Override
  public Flow.Publisher<InferenceResult> stream(String model, String version, Flow.Publisher<NamedTensors> inputs,
      RequestOptions options) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(inputs, "inputs publisher must not be null");
    return new OrderedStream(inputs, in -> submit(model, version, in, options), settings.streamMaxInFlight());
  }

  @Override
  public ModelSignature signature(String model, String version) {
    ModelEntry e = entry(model);
    ServingVersion v = version == null ? e.serving : versionOf(e, version);
    if (v == null) {
      throw notFound(e, version);
    }
    return v.signature;
  }

  /**
   * Stops taking requests, lets queued and running ones finish (up to {@code deduce.drain-timeout}), closes every
   * model, flushes the store writer and closes the store. Idempotent.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<Void>> retiring = new ArrayList<>();
    for (ModelEntry e : models.values()) {
      synchronized (e) {
        for (ServingVersion v : e.versions.values()) {
          retiring.add(v.retire());
        }
        e.versions.clear();
        e.serving = null;
      }
    }
    try {
      CompletableFuture.allOf(retiring.toArray(new CompletableFuture<?>[0]))
          .get(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("requests still running after the drain timeout of {}; closing anyway", settings.drainTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      LOG.warn("a model version did not close cleanly", e.getCause());
    }
    deadlines.shutdownNow();
    if (writer != null) {
      writer.close(settings.drainTimeout());
    }
    if (store != null) {
      try {
        store.close();
      } catch (RuntimeException e) {
        LOG.warn("closing the store failed", e);
      }
    }
  }

  // ------------------------------------------------------------------ internals

  private CompletableFuture<Void> install(String model, String version, List<LoadedModel> instances, ModelSettings s,
      boolean replace, boolean makeDefault) {
    Objects.requireNonNull(model, "model name must not be null");
    Objects.requireNonNull(version, "version must not be null");
    if (model.isBlank() || version.isBlank()) {
      closeAll(instances);
      throw new IllegalArgumentException("model '" + model + "' version '" + version
          + "': expected a non-blank model name and version");
    }
    if (closing.get()) {
      closeAll(instances);
      throw new IllegalStateException("the runtime is closing; cannot deploy model '" + model + "' version '"
          + version + "'");
    }
    try {
      warmUp(model, version, instances, s);
    } catch (RuntimeException e) {
      closeAll(instances);
      throw e;
    }
    ModelEntry e = models.computeIfAbsent(model, name -> {
      ModelEntry created = new ModelEntry(name, new ModelQueue(name, s.queueCapacity()));
      metrics.queueDepth(name, created.queue, q -> ((ModelQueue) q).depth());
      return created;
    });
    ServingVersion v;
    ServingVersion old;
    synchronized (e) {
      old = e.versions.get(version);
      if (old != null && !replace) {
        closeAll(instances);
        throw new IllegalStateException("model '" + model + "' version '" + version + "' is already deployed;"
            + " expected a new version, or retire this one first");
      }
      v = new ServingVersion(model, version, instances, s, e.queue, metrics, closing::get);
      v.start(runner);
      e.queue.capacity(s.queueCapacity());
      e.versions.put(version, v);
      if (makeDefault || e.serving == null || e.serving == old) {
        e.serving = v; // one volatile write: unversioned requests switch atomically
      }
    }
    recover(e, v);
    // requests already routed to the replaced version finish on it; new ones find v in the map
    return old == null ? CompletableFuture.completedFuture(null) : old.retire();
  }

  private static void warmUp(String model, String version, List<LoadedModel> instances, ModelSettings s) {
    ModelSignature sig = instances.get(0).signature();
    List<NamedTensors> inputs = s.warmUp();
    for (int i = 0; i < inputs.size(); i++) {
      try {
        sig.validate(inputs.get(i), s.maxElements());
        for (LoadedModel m : distinct(instances)) {
          m.run(inputs.get(i));
        }
      } catch (RuntimeException e) {
        throw new EngineException("warm-up input " + i + " of model '" + model + "' version '" + version
            + "' failed: " + e.getMessage() + "; expected every warm-up input to run, so the version was not"
            + " deployed", e);
      }
    }
  }

  private static List<LoadedModel> distinct(List<LoadedModel> instances) {
    List<LoadedModel> out = new ArrayList<>();
    for (LoadedModel m : instances) {
      if (out.stream().noneMatch(x -> x == m)) {
        out.add(m);
      }
    }
    return out;
  }

  private static void closeAll(List<LoadedModel> instances) {
    for (LoadedModel m : distinct(instances)) {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("closing a model that was not deployed failed", e);
      }
    }
  }

  /** Re-queues the PENDING requests of an earlier run that this deployment can serve. */
  private void recover(ModelEntry e, ServingVersion deployed) {
    List<RequestRecord> backlog = recoveryBacklog.get(e.name);
    if (backlog == null) {
      return;
    }
    List<RequestRecord> mine = new ArrayList<>();
    synchronized (backlog) {
      for (Iterator<RequestRecord> it = backlog.iterator(); it.hasNext(); ) {
        RequestRecord r = it.next();
        if (r.version().isEmpty() || r.version().equals(deployed.version)) {
          mine.add(r);
          it.remove();
        }
      }
    }
    for (RequestRecord record : mine) {
      requeue(e, record);
    }
  }

  private void requeue(ModelEntry e, RequestRecord record) {
    ServingVersion v;
    try {
      v = acquire(e.name, record.version().isEmpty() ? null : record.version());
    } catch (DeduceException ex) {
      LOG.warn("recovered request {} cannot be routed now ({}); it stays PENDING for the next start",
          record.requestId(), ex.getMessage());
      return;
    }
    CompletableFuture<InferenceResult> future = new CompletableFuture<>();
    if (record.idempotencyKey() != null) {
      idempotency.putIfAbsent(e.name, record.idempotencyKey(), future);
    }
    long nowNanos = System.nanoTime();
    Instant now = Instant.now();
    long remaining = Duration.between(now, record.deadline()).toNanos();
    long age = Math.max(0, Duration.between(record.submittedAt(), now).toNanos());
    Span span = tracer.spanBuilder("deduce.request").setAttribute("deduce.model", e.name)
        .setAttribute("deduce.version", v.version).setAttribute("deduce.request.id", record.requestId())
        .setAttribute("deduce.recovered", true).startSpan();
    Request r = new Request(record, v, nowNanos - age, nowNanos + remaining, future, span);
    try {
      v.signature.validate(record.inputs(), v.settings.maxElements());
    } catch (InvalidInputException ex) {
      r.expire();
      outcomes.fail(r, ex, 0);
      return;
    }
    e.queue.addRecovered(r);
    scheduleDeadline(r, Math.max(0, remaining));
  }

  private void scheduleDeadline(Request r, long nanos) {
    try {
      r.deadlineTimer = deadlines.schedule(() -> {
        if (r.expire()) {
          models.get(r.record.model()).queue.remove(r);
          outcomes.fail(r, BatchRunner.expired(r), 0);
        }
      }, nanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // closing: the batch runner still refuses expired requests when it takes them
    }
  }

  /** Routes to a version and counts the request against it; retries when it is retired under us. */
  private ServingVersion acquire(String model, String version) {
    ModelEntry e = entry(model);
    while (true) {
      ServingVersion v = version == null ? e.serving : versionOf(e, version);
      if (v == null) {
        throw notFound(e, version);
      }
      if (v.acquire()) {
        return v;
      }
      Thread.onSpinWait(); // it was retired after we read it; the map or default already moved on
    }
  }

  private static ServingVersion versionOf(ModelEntry e, String version) {
    synchronized (e) {
      return e.versions.get(version);
    }
  }

  private ModelEntry entry(String model) {
    ModelEntry e = models.get(model);
    if (e == null) {
      throw new ModelNotFoundException("model '" + model + "' is not deployed; expected one of "
          + new java.util.TreeSet<>(models.keySet()));
    }
    return e;
  }

  private static ModelNotFoundException notFound(ModelEntry e, String version) {
    List<String> deployed;
    synchronized (e) {
      deployed = List.copyOf(e.versions.keySet());
    }
    if (version == null) {
      return new ModelNotFoundException("model '" + e.name + "' has no serving version; expected a deployed"
          + " version, deployed are " + deployed);
    }
    return new ModelNotFoundException("model '" + e.name + "' has no version '" + version + "'; expected one of "
        + deployed);
  }

  private CompletableFuture<InferenceResult> rejected(String model, String version, DeduceException e) {
    metrics.outcome(model, version == null ? "default" : version, e.kind().name());
    return CompletableFuture.failedFuture(e);
  }

  private CompletableFuture<InferenceResult> unaccepted(Request r, String key, DeduceException e) {
    if (key != null) {
      idempotency.remove(r.record.model(), key, r.future);
    }
    r.span.recordException(e);
    r.span.setStatus(StatusCode.ERROR, e.kind().name());
    r.span.end();
    r.version.release();
    r.future.completeExceptionally(e);
    return rejected(r.record.model(), r.version.version, e);
  }

  /** The stored outcome of an idempotent request from an earlier run, if it completed. */
  private Optional<CompletableFuture<InferenceResult>> storedResult(String model, String id) {
    if (store == null || durability == Durability.NONE) {
      return Optional.empty();
    }
    Optional<StoredRequest> found;
    try {
      found = store.get(id);
    } catch (RuntimeException e) {
      return Optional.of(CompletableFuture.failedFuture(new StoreException("looking up idempotent request " + id
          + " failed: " + e.getMessage(), e)));
    }
    if (found.isEmpty() || found.get().status() == RequestStatus.PENDING) {
      return Optional.empty();
    }
    StoredRequest s = found.get();
    if (s.status() == RequestStatus.DONE) {
      return Optional.of(CompletableFuture.completedFuture(new InferenceResult(id, model, s.version(), s.outputs(),
          Duration.ZERO, Duration.ZERO, Duration.ZERO, s.attempts(), 0)));
    }
    return Optional.of(CompletableFuture.failedFuture(storedFailure(s.errorKind(), s.error())));
  }

  private static DeduceException storedFailure(ErrorKind kind, String message) {
    return kind.exception("stored result of the first request with this idempotency key: " + message);
  }

  /** Assembles a {@link DeduceRuntime}; only {@link #build()} starts anything. */
  public static final class Builder {
    private final List<InferenceEngine> engines = new ArrayList<>();
    private Store store;
    private MeterRegistry registry;
    private Tracer tracer;
    private RuntimeSettings settings;
    private Durability durability;

    private Builder() {}

    /** Adds an engine; several may load one format, and a model repository config then picks one by id. */
    public Builder engine(InferenceEngine engine) {
      engines.add(Objects.requireNonNull(engine, "engine must not be null"));
      return this;
    }

    /** Adds engines, e.g. those found by a {@link java.util.ServiceLoader}. */
    public Builder engines(Collection<? extends InferenceEngine> all) {
      Objects.requireNonNull(all, "engines must not be null").forEach(this::engine);
      return this;
    }

    /** The store for RESULTS and DURABLE modes; the runtime closes it on close. */
    public Builder store(Store s) {
      this.store = Objects.requireNonNull(s, "store must not be null");
      return this;
    }

    /** Where metrics go; default a new SimpleMeterRegistry. */
    public Builder meterRegistry(MeterRegistry r) {
      this.registry = Objects.requireNonNull(r, "meter registry must not be null");
      return this;
    }

    /** Where spans go; default the global OpenTelemetry tracer (no-op unless the host installs an SDK). */
    public Builder tracer(Tracer t) {
      this.tracer = Objects.requireNonNull(t, "tracer must not be null");
      return this;
    }

    /** Settings; default {@link RuntimeSettings#load()}. */
    public Builder settings(RuntimeSettings s) {
      this.settings = Objects.requireNonNull(s, "settings must not be null");
      return this;
    }

    /** Durability mode; default {@code deduce.durability} from the settings. */
    public Builder durability(Durability d) {
      this.durability = Objects.requireNonNull(d, "durability must not be null");
      return this;
    }

    /**
     * Starts the runtime and, with a store, reads the PENDING requests to recover.
     *
     * @throws IllegalStateException when RESULTS or DURABLE is asked for without a store
     * @throws IllegalArgumentException when settings are bad or two engines share an id
     */
    public DeduceRuntime build() {
      return new DeduceRuntime(this);
    }
  }
}
