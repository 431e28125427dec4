package dev.deduce.runtime;

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

/** Registers and names every Micrometer meter the runtime reports (names in DESIGN.md). */
final class RuntimeMetrics {

  static final String REQUESTS = "deduce.requests";
  static final String REQUEST = "deduce.request";
  static final String QUEUE = "deduce.queue";
  static final String COMPUTE = "deduce.compute";
  static final String BATCH_SIZE = "deduce.batch.size";
  static final String QUEUE_DEPTH = "deduce.queue.depth";
  static final String RETRIES = "deduce.retries";
  static final String CIRCUIT_STATE = "deduce.circuit.state";
  static final String STORE_WRITE = "deduce.store.write";
  static final String STORE_FAILURES = "deduce.store.failures";
  static final String STORE_UNSAVED = "deduce.store.unsaved";

  private final MeterRegistry registry;

  RuntimeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  MeterRegistry registry() {
    return registry;
  }

  /** Counts one finished request; {@code outcome} is "done" or the error kind. */
  void outcome(String model, String version, String outcome) {
    Counter.builder(REQUESTS).description("requests by outcome").tags("model", model, "version", version,
        "outcome", outcome.toLowerCase(Locale.ROOT)).register(registry).increment();
  }

  void queueDepth(String model, Object queue, ToDoubleFunction<Object> depth) {
    Gauge.builder(QUEUE_DEPTH, queue, depth).description("requests waiting in the model's queue")
        .tag("model", model).register(registry);
  }

  Timer storeWrite(String op) {
    return Timer.builder(STORE_WRITE).description("one group-commit store call").tag("op", op)
        .publishPercentiles(0.5, 0.95, 0.99).register(registry);
  }

  Counter storeFailures(String op) {
    return Counter.builder(STORE_FAILURES).description("store calls that failed").tag("op", op).register(registry);
  }

  Counter storeUnsaved() {
    return Counter.builder(STORE_UNSAVED).description("results given up on after every store retry failed")
        .register(registry);
  }

  VersionMeters version(String model, String version, CircuitBreaker breaker) {
    return new VersionMeters(model, version, breaker);
  }

  /** The meters of one model version. */
  final class VersionMeters {
    final Timer request;
    final Timer queue;
    final Timer compute;
    final DistributionSummary batchSize;
    final Counter retries;
    private final String model;
    private final String version;
    private final Meter circuitState;
    /** Registered on first use, then reused: a registry lookup per request showed up in profiles. */
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> outcomes =
        new java.util.concurrent.ConcurrentHashMap<>();

    private VersionMeters(String model, String version, CircuitBreaker breaker) {
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
      circuitState = Gauge.builder(CIRCUIT_STATE, breaker, RuntimeMetrics::stateCode)
          .description("0 closed, 1 open, 2 half-open, 3 disabled or forced").tags(tags).register(registry);
    }

    void outcome(String outcome) {
      outcomes.computeIfAbsent(outcome, o -> Counter.builder(REQUESTS).description("requests by outcome")
          .tags("model", model, "version", version, "outcome", o.toLowerCase(Locale.ROOT)).register(registry))
          .increment();
    }

    /** Drops the gauge that holds the retired version's breaker; counts and timings stay for scraping. */
    void retire() {
      registry.remove(circuitState);
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
