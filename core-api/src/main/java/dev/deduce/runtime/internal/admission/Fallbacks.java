package dev.deduce.runtime.internal.admission;

import dev.deduce.api.RequestOptions;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.runtime.internal.pipeline.ModelQueue;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import dev.deduce.runtime.internal.serving.ModelRegistry;
import java.time.Duration;

/**
 * Decides at admission whether a request goes to its model's fallback instead: the breaker would refuse it, the
 * queue is full, or the version's observed run time says the request cannot finish within its timeout. The request
 * keeps its timeout (the fallback's own default deadline never extends it) and its idempotency key's namespace.
 */
final class Fallbacks {

  /** Fallbacks followed for one request at most; deploy refuses cycles, this only bounds a chain. */
  static final int MAX_HOPS = 8;

  /** Where a request goes instead, and with which options. */
  record Route(String model, String version, RequestOptions options) {}

  private final ModelRegistry models;
  private final RuntimeMetrics metrics;

  Fallbacks(ModelRegistry models, RuntimeMetrics metrics) {
    this.models = models;
    this.metrics = metrics;
  }

  /** The fallback route for a request validated for {@code v} at priority {@code level}, or null to serve it on v. */
  Route route(ServingVersion v, RequestOptions opts, int hops, int level) {
    if (v.settings().fallback().isEmpty() || hops >= MAX_HOPS) {
      return null;
    }
    String to = v.settings().fallback().get();
    String toVersion = v.settings().fallbackVersion().orElse(null);
    if (models.versions(to).isEmpty()) {
      return null; // retired since this version deployed: the version answers as it would without a fallback
    }
    Duration timeout = opts.timeout().orElse(v.settings().deadline());
    String reason = reason(v, timeout, level);
    if (reason == null) {
      return null;
    }
    metrics.fallback(v.model(), v.version(), to, reason);
    return new Route(to, toVersion, opts.toBuilder().timeout(timeout).build());
  }

  private String reason(ServingVersion v, Duration timeout, int level) {
    if (!v.breakerPermits()) {
      return "circuit_open";
    }
    ModelQueue queue = models.queue(v.model());
    if (queue.full(level)) {
      return "queue_full";
    }
    if (v.predictedWaitNanos(queue.depth()) > timeout.toNanos()) {
      return "deadline";
    }
    return null;
  }
}
