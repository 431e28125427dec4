package dev.deduce.server.internal;

import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.TensorSpec;
import dev.deduce.host.DeduceHost;
import dev.deduce.repository.Health;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What REST and gRPC share: health, metadata, checking a request against the model in the protocol's terms, running
 * it, and mapping Deduce's errors to the protocol's statuses.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  /** The extension this server adds: durable asynchronous jobs. */
  public static final String JOBS_EXTENSION = "deduce_jobs";

  private final DeduceHost host;
  private final DeduceRuntime runtime;
  private final Limits limits;
  private final Platforms platforms;
  private final String version;
  private final Jobs jobs;
  private volatile boolean draining;

  /** Serves {@code host}; model platforms are read from {@code models} (null: none). */
  public Gateway(DeduceHost host, Limits limits, Path models, Duration jobDeadline, String version) {
    this.host = host;
    this.runtime = host.runtime();
    this.limits = limits;
    this.platforms = new Platforms(models);
    this.version = version;
    this.jobs = new Jobs(this, host, jobDeadline);
  }

  /** The registry the runtime's meters are in. */
  public io.micrometer.core.instrument.MeterRegistry meters() {
    return runtime.meterRegistry();
  }

  public Limits limits() {
    return limits;
  }

  public Jobs jobs() {
    return jobs;
  }

  /** From now on the server is not ready and refuses new work with 503. */
  public void beginDrain() {
    draining = true;
  }

  // ------------------------------------------------------------------ health and metadata

  /** The host's health; not ready while the server drains. */
  public Health health() {
    Health h = host.health();
    if (!draining) {
      return h;
    }
    List<String> reasons = new ArrayList<>(h.reasons());
    reasons.add(0, "the server is shutting down");
    return new Health(h.live(), false, reasons);
  }

  /** The server's name for metadata. */
  public String name() {
    return "deduce";
  }

  /** The server's version. */
  public String version() {
    return version;
  }

  /** The protocol extensions served; the jobs extension only when jobs survive a crash (DURABLE). */
  public List<String> extensions() {
    return runtime.durability() == Durability.DURABLE
        ? List.of("binary_tensor_data", JOBS_EXTENSION) : List.of("binary_tensor_data");
  }

  /**
   * Whether {@code model} (at {@code version}, or any version when null) is ready.
   *
   * @throws ApiException 404 when the model is neither served nor in the repository, or the version is unknown
   */
  public boolean modelReady(String model, String version) {
    List<String> versions = runtime.versions(model);
    if (versions.isEmpty()) {
      if (configured(model)) {
        return false;
      }
      throw new ApiException(ApiException.Kind.NOT_FOUND, unknownModel(model));
    }
    if (version == null) {
      return !draining && runtime.defaultVersion(model).isPresent();
    }
    if (!versions.contains(version)) {
      throw new ApiException(ApiException.Kind.NOT_FOUND, "model '" + model + "' has no version '" + version
          + "'; expected one of " + versions);
    }
    return !draining;
  }

  /** The metadata of {@code model} at {@code version} (null: the default). */
  public ModelMetadata metadata(String model, String version) {
    ModelSignature sig = signature(model, version);
    String v = version != null ? version : runtime.defaultVersion(model).orElse("");
    return new ModelMetadata(model, runtime.versions(model), platforms.platform(model, v), sig.inputs(),
        sig.outputs());
  }

  /**
   * The signature of {@code model} at {@code version} (null: the default).
   *
   * @throws ApiException 404 when unknown, 503 when the repository has the model but nothing serves it
   */
  public ModelSignature signature(String model, String version) {
    if (draining) {
      throw new ApiException(ApiException.Kind.NOT_READY, "the server is shutting down; expected new requests to"
          + " go to another instance");
    }
    try {
      return runtime.signature(model, version);
    } catch (RuntimeException e) {
      throw map(e, model);
    }
  }

  // ------------------------------------------------------------------ checks

  /**
   * Checks the declared inputs against {@code sig}: known names, each once, every input present, the model's
   * datatype and a shape it accepts.
   */
  public void checkInputs(String model, ModelSignature sig, List<TensorHeader> inputs) {
    if (inputs.isEmpty()) {
      throw ApiException.bad("the request has no inputs; model '" + model + "' expects " + describe(sig.inputs()));
    }
    Set<String> seen = new HashSet<>();
    for (TensorHeader in : inputs) {
      TensorSpec spec = sig.input(in.name()).orElseThrow(() -> ApiException.bad("model '" + model
          + "' has no input '" + in.name() + "'; expected " + describe(sig.inputs())));
      if (!seen.add(in.name())) {
        throw ApiException.bad(in.what() + " appears twice; expected each input once");
      }
      if (spec.dtype() != in.type()) {
        throw ApiException.bad(in.what() + " has datatype " + in.datatype() + "; model '" + model + "' expects "
            + Datatypes.name(spec.dtype()));
      }
      if (!spec.accepts(in.shape())) {
        throw ApiException.bad(in.what() + " has shape " + Arrays.toString(in.shape()) + "; model '" + model
            + "' expects " + Arrays.toString(spec.shape()) + " (-1: any size)");
      }
    }
    for (TensorSpec spec : sig.inputs()) {
      if (!seen.contains(spec.name())) {
        throw ApiException.bad("input '" + spec.name() + "' is missing; model '" + model + "' expects "
            + describe(sig.inputs()));
      }
    }
  }

  /** Checks that every requested output name is one of the model's. */
  public void checkOutputs(String model, ModelSignature sig, Collection<String> names) {
    for (String name : names) {
      if (sig.output(name).isEmpty()) {
        throw ApiException.bad("model '" + model + "' has no output '" + name + "'; expected one of "
            + sig.outputs().stream().map(TensorSpec::name).toList());
      }
    }
  }

  private static String describe(List<TensorSpec> specs) {
    return specs.stream().map(s -> s.name() + " " + Datatypes.name(s.dtype()) + Arrays.toString(s.shape())).toList()
        .toString();
  }

  // ------------------------------------------------------------------ running

  /**
   * Request options from a client's deadline (null: the model's) and idempotency key (null: none).
   *
   * @throws ApiException 400 when the key is blank or longer than 256 characters
   */
  public static RequestOptions options(Duration timeout, String idempotencyKey) {
    RequestOptions.Builder b = RequestOptions.builder();
    if (timeout != null) {
      b.timeout(timeout);
    }
    if (idempotencyKey != null) {
      try {
        b.idempotencyKey(idempotencyKey);
      } catch (IllegalArgumentException e) {
        throw ApiException.bad("the idempotency key " + e.getMessage());
      }
    }
    return b.build();
  }

  /** Runs one request and waits; a failure comes back as the {@link ApiException} it maps to. */
  public InferenceResult infer(String model, String version, NamedTensors inputs, RequestOptions options) {
    try {
      return runtime.infer(model, version, inputs, options);
    } catch (RuntimeException e) {
      throw map(e, model);
    }
  }

  /** Submits one request without waiting; the future fails with the {@link ApiException} the failure maps to. */
  public CompletableFuture<InferenceResult> submit(String model, String version, NamedTensors inputs,
      RequestOptions options) {
    CompletableFuture<InferenceResult> f;
    try {
      f = runtime.submit(model, version, inputs, options);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(map(e, model));
    }
    return f.handle((r, e) -> {
      if (e != null) {
        throw map(e, model);
      }
      return r;
    });
  }

  /** The protocol failure for {@code t}: Deduce's error kinds by status, anything else a logged 500. */
  public ApiException map(Throwable t, String model) {
    Throwable e = t;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ApiException a) {
      return a;
    }
    if (e instanceof DeduceException d) {
      switch (d.kind()) {
        case INVALID_INPUT: return ApiException.bad(d.getMessage());
        case MODEL_NOT_FOUND:
          if (model != null && runtime.versions(model).isEmpty() && configured(model)) {
            return new ApiException(ApiException.Kind.NOT_READY, "model '" + model + "' is not ready: "
                + String.join("; ", host.health().reasons()));
          }
          return new ApiException(ApiException.Kind.NOT_FOUND, d.getMessage());
        case OVERLOADED:
          return draining || runtime.isClosed()
              ? new ApiException(ApiException.Kind.NOT_READY, d.getMessage())
              : new ApiException(ApiException.Kind.OVERLOADED, d.getMessage());
        case DEADLINE_EXCEEDED: return new ApiException(ApiException.Kind.DEADLINE, d.getMessage());
        default: return new ApiException(ApiException.Kind.INTERNAL, d.kind() + ": " + d.getMessage());
      }
    }
    // a fault of the server, not of the request: the trace goes to the log under an id, never to the client
    String id = UUID.randomUUID().toString();
    LOG.error("internal error {} serving model '{}'", id, model, e);
    return new ApiException(ApiException.Kind.INTERNAL, "internal server error, logged as " + id);
  }

  private boolean configured(String model) {
    return host.repository().map(r -> r.models().contains(model)).orElse(false);
  }

  private String unknownModel(String model) {
    List<String> known = new ArrayList<>(host.repository().map(r -> List.copyOf(r.models())).orElse(List.of()));
    return "model '" + model + "' is not served" + (known.isEmpty() ? "" : "; expected one of " + known);
  }
}
