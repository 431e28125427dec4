package dev.deduce.runtime;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.StreamElement;
import dev.deduce.runtime.internal.admission.Admission;
import dev.deduce.runtime.internal.admission.IdempotencyIndex;
import dev.deduce.runtime.internal.admission.Recovery;
import dev.deduce.runtime.internal.durability.GroupCommitWriter;
import dev.deduce.runtime.internal.durability.StoredResults;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.runtime.internal.pipeline.BatchPlan;
import dev.deduce.runtime.internal.pipeline.BatchRunner;
import dev.deduce.runtime.internal.pipeline.Padding;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import dev.deduce.runtime.internal.pipeline.Outcomes;
import dev.deduce.runtime.internal.serving.EngineRegistry;
import dev.deduce.runtime.internal.serving.Instances;
import dev.deduce.runtime.internal.serving.ModelRegistry;
import dev.deduce.runtime.internal.serving.PolicyChecks;
import dev.deduce.runtime.internal.stream.OrderedStream;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import dev.deduce.spi.Store;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private final EngineRegistry engines;
  private final RuntimeMetrics metrics;
  private final GroupCommitWriter writer;
  private final ModelRegistry models;
  private final Admission admission;
  private final Recovery recovery;
  private final AtomicBoolean closing = new AtomicBoolean();

  private DeduceRuntime(Builder b, RuntimeSettings settings, Durability durability) {
    this.settings = settings;
    this.durability = durability;
    this.store = b.store;
    Store durable = durability == Durability.NONE ? null : store; // NONE never reads or writes the store
    this.engines = new EngineRegistry(b.engines);
    this.metrics = new RuntimeMetrics(b.registry != null ? b.registry : new SimpleMeterRegistry());
    Tracer tracer = b.tracer != null ? b.tracer : GlobalOpenTelemetry.getTracer("dev.deduce.runtime");
    this.writer = durable == null ? null : new GroupCommitWriter(durable, settings, metrics, tracer);
    Outcomes outcomes = new Outcomes(writer);
    BatchRunner runner = new BatchRunner(outcomes, tracer);
    this.models = new ModelRegistry(metrics, runner, closing::get);
    this.admission = new Admission(models, durability, writer, durable == null ? null : new StoredResults(durable),
        settings.idempotencyMaxBytes().bytes(), outcomes, runner, metrics, tracer, closing::get);
    this.recovery = Recovery.read(durable, models, admission, outcomes, tracer);
  }

  /** A builder with no engines, no store, a SimpleMeterRegistry, the global tracer and {@link RuntimeSettings#load()}. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ model lifecycle

  /**
   * Loads (or takes) the deployment's model, warms it up and serves it; requests PENDING from an earlier run that it
   * can serve re-run on it.
   *
   * @return the retirement of the version it replaced, or a completed future
   * @throws dev.deduce.api.ModelLoadException naming the file when no engine takes the format or loading fails
   * @throws EngineException when a warm-up input fails
   * @throws IllegalStateException when the version is deployed and the deployment does not replace, or on close
   */
  public CompletableFuture<Void> deploy(Deployment d) {
    Objects.requireNonNull(d, "deployment must not be null");
    if (closing.get()) {
      d.loaded().ifPresent(LoadedModel::close);
      throw new IllegalStateException("the runtime is closing; cannot deploy model '" + d.model() + "' version '"
          + d.version() + "'");
    }
    Instances instances = Instances.load(d, engines);
    ModelRegistry.Installed installed;
    try {
      PolicyChecks.check(d.model(), d.version(), instances.settings(), instances.models().get(0).signature(),
          durability != Durability.NONE, models);
      installed = models.install(d.model(), d.version(), instances, d.replace(), d.makeDefault());
    } catch (RuntimeException e) {
      instances.close();
      throw e;
    }
    recovery.deployed(installed.version());
    return installed.replaced();
  }

  /** Serves {@code loaded} as {@code model} at {@code version} with {@code settings}; see {@link #deploy(Deployment)}. */
  public void deploy(String model, String version, LoadedModel loaded, ModelSettings settings) {
    deploy(Deployment.of(model, version, loaded).settings(settings).build());
  }

  /** Loads {@code source} with the engine for its format and serves it; see {@link #deploy(Deployment)}. */
  public void deploy(String model, String version, ModelSource source, ModelSettings settings) {
    deploy(Deployment.of(model, version, source).settings(settings).build());
  }

  /**
   * The request id every submission of {@code idempotencyKey} to {@code model} gets, in this and every later run:
   * a host can look its result up in the store by it.
   */
  public static String requestIdFor(String model, String idempotencyKey) {
    return IdempotencyIndex.requestId(model, idempotencyKey);
  }

  /** Engine id to the formats it loads. */
  public Map<String, Set<String>> engineFormats() {
    return engines.formats();
  }

  /**
   * Makes {@code version} serve requests to {@code model} that name no version; in-flight requests are unaffected.
   *
   * @throws ModelNotFoundException when that version is not deployed
   */
  public void setDefaultVersion(String model, String version) {
    models.setDefault(model, version);
  }

  /** The version serving requests to {@code model} that name none, if any. */
  public Optional<String> defaultVersion(String model) {
    return models.defaultVersion(model);
  }

  /** The deployed versions of {@code model}, oldest deployment first; empty for an unknown model. */
  public List<String> versions(String model) {
    return models.versions(model);
  }

  /**
   * How {@code version} of {@code model} (null = the default) combines requests: batched or not, padded along which
   * dimension, and why it is unbatched when the invariance check at deploy found batching changed its answers.
   *
   * @throws ModelNotFoundException when that version is not deployed
   */
  public BatchingStatus batching(String model, String version) {
    ServingVersion v = models.find(model, version);
    BatchPlan plan = v.checks();
    return new BatchingStatus(v.batches(), Optional.ofNullable(plan.padding()).map(Padding::dim),
        plan.note().isEmpty() ? Optional.empty() : Optional.of(plan.note()));
  }

  /** Every deployed version's note on how it serves (e.g. unbatched because batching changed its answers). */
  public List<String> notes() {
    List<String> out = new ArrayList<>();
    for (String model : models.names()) {
      for (String version : models.versions(model)) {
        try {
          batching(model, version).note().ifPresent(out::add);
        } catch (ModelNotFoundException e) {
          // retired between listing and reading: nothing to note
        }
      }
    }
    return out;
  }

  /**
   * Stops routing new requests to {@code version}; if it was the default, the most recently deployed remaining
   * version takes over. The future completes once its requests have finished and its models are closed.
   *
   * @throws ModelNotFoundException when that version is not deployed
   */
  public CompletableFuture<Void> retire(String model, String version) {
    return models.retire(model, version);
  }

  /**
   * The settings {@code version} of {@code model} (null = the default) serves with, as deployed: its model.conf over
   * the configuration, e.g. the queue capacity a host sizes its own in-flight limit against.
   *
   * @throws ModelNotFoundException when that version is not deployed
   */
  public ModelSettings servingSettings(String model, String version) {
    return models.find(model, version).settings();
  }

  /** Settings for {@code model} from the runtime's configuration (per-model keys over the defaults). */
  public ModelSettings settingsFor(String model) {
    return settings.model(model);
  }

  /** The runtime's settings. */
  public RuntimeSettings settings() {
    return settings;
  }

  /** The durability mode in force. */
  public Durability durability() {
    return durability;
  }

  /** Where the runtime's meters are registered. */
  public MeterRegistry meterRegistry() {
    return metrics.registry();
  }

  /** How many requests an earlier DURABLE run left PENDING in the store; each re-runs once its model is deployed. */
  public int recovering() {
    return recovery.read();
  }

  /**
   * Why the store is not healthy, when result writes have kept failing ({@code store.retry-max-attempts} in a row):
   * the failed results are held in memory and retried until the store takes them. Empty when healthy or storeless.
   */
  public Optional<String> storeProblem() {
    return writer == null ? Optional.empty() : Optional.ofNullable(writer.problem());
  }

  /** Whether {@link #close()} has begun. */
  public boolean isClosed() {
    return closing.get();
  }

  // ------------------------------------------------------------------ InferenceService

  @Override
  public CompletableFuture<InferenceResult> submit(String model, String version, NamedTensors inputs,
      RequestOptions options) {
    return admission.accept(model, version, inputs, options, false);
  }

  /**
   * Submits and waits. When the model's queue is empty, an instance is idle, the batcher would send the request alone
   * at once (batching off, or a zero queue delay) and durability is not DURABLE, the request runs on the calling
   * thread: the same deadline, breaker, retries, metrics, spans and result record, without the hand-off to a worker
   * and back. {@link #submit} never runs a request on its caller, so it stays non-blocking.
   */
  @Override
  public InferenceResult infer(String model, String version, NamedTensors inputs, RequestOptions options) {
    CompletableFuture<InferenceResult> f = admission.accept(model, version, inputs, options, true);
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

  @Override
  public Flow.Publisher<InferenceResult> stream(String model, String version, Flow.Publisher<NamedTensors> inputs,
      RequestOptions options) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(inputs, "inputs publisher must not be null");
    RequestOptions shared = options == null ? RequestOptions.defaults() : options;
    shared.idempotencyKey().ifPresent(key -> {
      throw new IllegalArgumentException("stream() applies its options to every element, so idempotency key '" + key
          + "' would answer every element with the first one's result; expected options without a key, or "
          + "streamElements() with a key per element");
    });
    return new OrderedStream<>(inputs, in -> submit(model, version, in, shared), settings.streamMaxInFlight());
  }

  @Override
  public Flow.Publisher<InferenceResult> streamElements(String model, String version,
      Flow.Publisher<StreamElement> elements) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(elements, "elements publisher must not be null");
    return new OrderedStream<>(elements, e -> submit(model, version, e.inputs(), e.options()),
        settings.streamMaxInFlight());
  }

  @Override
  public ModelSignature signature(String model, String version) {
    return models.find(model, version).signature();
  }

  /**
   * Stops taking requests, lets queued and running ones finish (up to {@code deduce.drain-timeout}), closes every
   * model, flushes the store writer (up to the drain timeout again) and closes the store. Idempotent. A request
   * still running past the drain timeout fails with a {@link dev.deduce.api.StoreException} when its result can no
   * longer be stored (RESULTS, DURABLE): no caller is told of a success the store will not hold.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<Void>> retiring = models.retireAll();
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
    admission.close();
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
      RuntimeSettings s = settings != null ? settings : RuntimeSettings.load();
      Durability d = durability != null ? durability : s.durability();
      if (d != Durability.NONE && store == null) {
        throw new IllegalStateException("durability " + d + " needs a store; expected builder.store(...)"
            + " or durability NONE");
      }
      return new DeduceRuntime(this, s, d);
    }
  }
}
