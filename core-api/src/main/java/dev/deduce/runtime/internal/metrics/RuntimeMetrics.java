package dev.deduce.runtime.internal.metrics;

import static dev.deduce.runtime.MetricNames.*;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** Registers every Micrometer meter the runtime reports; the names are {@link dev.deduce.runtime.MetricNames}. */
public final class RuntimeMetrics {

  private final MeterRegistry registry;

  public RuntimeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Counts one finished request; {@code outcome} is "done" or the error kind. */
  public void outcome(String model, String version, String outcome) {
    Counter.builder(REQUESTS).description("requests by outcome").tags("model", model, "version", version,
        "outcome", outcome.toLowerCase(Locale.ROOT)).register(registry).increment();
  }

  /** Counts one response cache lookup of {@code model} at {@code version}: a hit or a miss. */
  public void cache(String model, String version, boolean hit) {
    Counter.builder(hit ? CACHE_HITS : CACHE_MISSES).description(hit ? "requests answered from the response cache"
        : "cacheable requests that ran the model").tags("model", model, "version", version).register(registry)
        .increment();
  }

  /** Counts one request {@code model} at {@code version} handed to {@code fallback} for {@code reason}. */
  public void fallback(String model, String version, String fallback, String reason) {
    Counter.builder(FALLBACKS).description("requests handed to the model's fallback").tags("model", model,
        "version", version, "fallback", fallback, "reason", reason).register(registry).increment();
  }

  public void queueDepth(String model, Object queue, ToDoubleFunction<Object> depth) {
    Gauge.builder(QUEUE_DEPTH, queue, depth).description("requests waiting in the model's queue")
        .tag("model", model).register(registry);
  }

  public Timer storeWrite(String op) {
    return Timer.builder(STORE_WRITE).description("one group-commit store call").tag("op", op)
        .publishPercentiles(0.5, 0.95, 0.99).register(registry);
  }

  public Counter storeFailures(String op) {
    return Counter.builder(STORE_FAILURES).description("store calls that failed").tag("op", op).register(registry);
  }

  public Counter storeUnsaved() {
    return Counter.builder(STORE_UNSAVED).description("results that will never be stored").register(registry);
  }

  /** Gauge of the results held for the store and not yet stored. */
  public <T> void storeBacklog(T writer, ToDoubleFunction<T> held) {
    Gauge.builder(STORE_BACKLOG, writer, held).description("results held in memory until the store takes them")
        .register(registry);
  }

  /** The meters of one version; {@code batched} says whether its requests share engine runs. */
  public VersionMeters version(String model, String version, CircuitBreaker breaker, boolean batched) {
    return new VersionMeters(model, version, breaker, batched);
  }

  /** The meters of one model version. */
  public final class VersionMeters {
    public final Timer request;
    public final Timer queue;
    public final Timer compute;
    public final DistributionSummary batchSize;
    public final Counter retries;
    private final String model;
    private final String version;
    private final Meter circuitState;
    private final Meter batching;
    /** Registered on first use, then reused: a registry lookup per request showed up in profiles. */
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> outcomes =
        new java.util.concurrent.ConcurrentHashMap<>();

    private VersionMeters(String model, String version, CircuitBreaker breaker, boolean batched) {
      this.model = model;
      this.version = version;
      Tags tags = Tags.of("model", model, "version", version);
      request = timer(REQUEST, "submission to completion", tags);
      queue = timer(QUEUE, "submission until the batch starts running", tags);
      compute = timer(COMPUTE, "engine time per batch, retries included", tags);
      batchSize = DistributionSummary.builder(BATCH_SIZE).description("rows per engine run").tags(tags)
          .publishPercentiles(0.5, 0.95, 0.99).register(registry);
      retries = Counter.builder(RETRIES).description("engine runs retried after a transient failure")
          .tags(tags).register(registry);
      // a copy swapped in under the same version registers while the old one still serves: its gauges take the id
      // over, or Micrometer would keep the old ones, reading the retired breaker, until retire() removed them
      circuitState = replacing(CIRCUIT_STATE, tags, () -> Gauge.builder(CIRCUIT_STATE, breaker,
          RuntimeMetrics::stateCode).description("0 closed, 1 open, 2 half-open, 3 disabled or forced").tags(tags)
          .register(registry));
      batching = replacing(BATCHING, tags, () -> Gauge.builder(BATCHING, () -> batched ? 1 : 0)
          .description("1 when requests share engine runs, 0 when served one by one").tags(tags).register(registry));
    }

    public void outcome(String outcome) {
      outcomes.computeIfAbsent(outcome, o -> Counter.builder(REQUESTS).description("requests by outcome")
          .tags("model", model, "version", version, "outcome", o.toLowerCase(Locale.ROOT)).register(registry))
          .increment();
    }

    /** Drops the gauges that hold the retired version's breaker, unless a newer copy owns them now; counts stay. */
    public void retire() {
      removeIfOwn(circuitState);
      removeIfOwn(batching);
    }

    private Meter replacing(String name, Tags tags, java.util.function.Supplier<Meter> register) {
      registry.find(name).tags(tags).meters().forEach(registry::remove);
      return register.get();
    }

    private void removeIfOwn(Meter meter) {
      // Micrometer removes, and meters compare, by id, which a copy swapped in under the same version shares
      if (registry.find(meter.getId().getName()).tags(meter.getId().getTags()).meters().stream()
          .anyMatch(m -> m == meter)) {
        registry.remove(meter);
      }
    }

    private Timer timer(String name, String description, Tags tags) {
      return Timer.builder(name).description(description).tags(tags).publishPercentiles(0.5, 0.95, 0.99)
          .register(registry);
    }
  }

  private static double stateCode(CircuitBreaker b) {
    switch (b.getState()) {
      case CLOSED: return 0;
      case OPEN: return 1;
      case HALF_OPEN: return 2;
      default: return 3;
    }
  }
}
