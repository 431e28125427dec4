package dev.deduce.runtime;

import static dev.deduce.config.internal.Checks.atLeast;
import static dev.deduce.config.internal.Checks.notNegative;
import static dev.deduce.config.internal.Checks.positive;
import static dev.deduce.config.internal.Checks.range;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.deduce.api.NamedTensors;
import dev.deduce.config.internal.Binder;
import dev.deduce.config.SettingException;
import dev.deduce.config.internal.Unbound;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;

/**
 * How one model is served; each component is the key of the same name under {@code deduce.defaults} (kebab-case).
 *
 * <p>A new setting is one component here (or in a nested record) plus its default in reference.conf, the only place
 * defaults live. Validated on construction; errors name the key, the value and what is allowed.
 *
 * @param queue          the model's request queue
 * @param priority       priority levels: how many, the default, per-level queue bounds and starvation bound
 * @param batching       how requests are combined into engine runs
 * @param instances      concurrent engine runs per model version, 1 to 1024
 * @param deadline       deadline of a request whose caller gives no timeout
 * @param maxElements    most elements over all inputs of one request
 * @param retry          retries of transiently failing runs
 * @param circuitBreaker the breaker around engine runs
 * @param nonFiniteInputs what NaN and infinite values in float inputs do: ALLOW passes them on, REJECT fails the
 *                        request as invalid input
 * @param cache          the durable response cache: answers repeated inputs from stored results
 * @param fallback       the model that serves this one's requests when its breaker is open, its queue is full or
 *                       its deadline cannot be met; empty = none
 * @param fallbackVersion the fallback's version; empty = its default version
 * @param warmUp         inputs run once each on a new version before it takes traffic (from model.conf or code)
 */
public record ModelSettings(Queue queue, PrioritySettings priority, Batching batching, int instances,
    Duration deadline, long maxElements, Retry retry, CircuitBreaker circuitBreaker, NonFiniteInputs nonFiniteInputs,
    CacheSettings cache,
    Optional<String> fallback, Optional<String> fallbackVersion, @Unbound List<NamedTensors> warmUp) {

  private static final ModelSettings DEFAULTS = Binder.bind(SettingsLoader.reference().getConfig("deduce.defaults"),
      ModelSettings.class, "deduce.defaults.");

  /** Checks the ranges. */
  public ModelSettings {
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(batching, "batching");
    range("instances", instances, 1, 1024);
    positive("deadline", deadline);
    range("max-elements", maxElements, 1, Long.MAX_VALUE);
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(circuitBreaker, "circuit-breaker");
    Objects.requireNonNull(nonFiniteInputs, "non-finite-inputs");
    Objects.requireNonNull(cache, "cache");
    fallback = fallback.map(String::trim).filter(f -> !f.isEmpty());
    fallbackVersion = fallbackVersion.map(String::trim).filter(f -> !f.isEmpty());
    if (fallback.isEmpty() && fallbackVersion.isPresent()) {
      throw new SettingException("fallback-version", fallbackVersion.get(),
          "no version while fallback is empty (no fallback model)");
    }
    warmUp = List.copyOf(warmUp);
  }

  /**
   * {@code queue}: requests that may wait per model (its versions share it), and how long submit waits for room.
   *
   * @param capacity 1 or more; the latest deployment's value holds
   * @param maxWait  zero fails at once when full
   */
  public record Queue(int capacity, Duration maxWait) {
    /** Checks the ranges. */
    public Queue {
      range("capacity", capacity, 1, Integer.MAX_VALUE);
      notNegative("max-wait", maxWait);
    }
  }

  /**
   * {@code batching}.
   *
   * @param enabled             false runs one request per engine run
   * @param maxSize             most rows (dimension 0, summed over requests) in one engine run; a larger request runs
   *                            in consecutive parts of at most this many rows, its outputs joined
   * @param maxQueueDelay       how long the oldest queued request waits for its batch to fill
   * @param preferredSizes      sizes dispatched at once when reachable, ascending, each at most {@code maxSize}
   * @param checkInvariance     at deploy, compare rows run one by one with the same rows run as one batch; a
   *                            mismatch serves the version unbatched
   * @param requireInvariance   a mismatch fails the deploy instead
   * @param invarianceTolerance largest difference allowed, relative to the output's largest magnitude (at least 1)
   * @param pad                 padding along a named dimension, so requests of different lengths share a batch
   */
  public record Batching(boolean enabled, int maxSize, Duration maxQueueDelay, SortedSet<Integer> preferredSizes,
      boolean checkInvariance, boolean requireInvariance, double invarianceTolerance, Pad pad) {
    /** Checks the ranges and that preferred sizes fit the maximum. */
    public Batching {
      range("max-size", maxSize, 1, Integer.MAX_VALUE);
      notNegative("max-queue-delay", maxQueueDelay);
      if (preferredSizes.stream().anyMatch(s -> s < 1)) {
        throw new SettingException("preferred-sizes", preferredSizes, "a list of batch sizes, each 1 or more");
      }
      if (!preferredSizes.isEmpty() && preferredSizes.last() > maxSize) {
        throw new SettingException("preferred-sizes", preferredSizes,
            "sizes of at most batching.max-size, which is " + maxSize);
      }
      range("invariance-tolerance", invarianceTolerance, 0.0, 1.0);
      Objects.requireNonNull(pad, "pad");
    }
  }

  /**
   * {@code batching.pad}: requests whose inputs differ only along {@code dim} are padded to one length and batched;
   * every output that carries {@code dim} is cut back to each request's own length.
   *
   * @param dim     the named dimension (as the model's signature names it); empty = no padding
   * @param values  per input that carries {@code dim}: the value its padding holds (e.g. 0 for ids and mask)
   * @param lengths lengths to pad up to, the smallest that fits (e.g. [16, 32, 64, 128]); empty = the longest in the
   *                batch; a batch longer than the largest is padded to its longest
   */
  public record Pad(Optional<String> dim, Map<String, Double> values, SortedSet<Integer> lengths) {
    /** Checks the lengths. */
    public Pad {
      if (lengths.stream().anyMatch(l -> l < 1)) {
        throw new SettingException("lengths", lengths, "a list of lengths, each 1 or more");
      }
      if (dim.isEmpty() && !values.isEmpty()) {
        throw new SettingException("values", values, "no values while pad.dim is empty (padding is off)");
      }
    }
  }

  /**
   * {@code retry}: exponential backoff with jitter for transient failures.
   *
   * @param maxAttempts    engine runs in all, 1 to 100 (1 = no retry)
   * @param initialBackoff wait before the first retry
   * @param multiplier     factor the wait grows by per retry, 1.0 or more
   * @param jitter         fraction each wait is randomised by, 0.0 up to 1.0
   * @param maxBackoff     longest wait, at least {@code initialBackoff}
   */
  public record Retry(int maxAttempts, Duration initialBackoff, double multiplier, double jitter,
      Duration maxBackoff) {
    /** Checks the ranges. */
    public Retry {
      range("max-attempts", maxAttempts, 1, 100);
      positive("initial-backoff", initialBackoff);
      range("multiplier", multiplier, 1.0, Double.MAX_VALUE);
      if (!(jitter >= 0.0 && jitter < 1.0)) {
        throw new SettingException("jitter", jitter, "0.0 up to but not including 1.0");
      }
      atLeast("max-backoff", positive("max-backoff", maxBackoff), "retry.initial-backoff", initialBackoff);
    }
  }

  /**
   * {@code circuit-breaker}.
   *
   * @param failureRateThreshold percent of failed runs in the window that opens it, above 0 and at most 100
   * @param slidingWindowSize    runs in the window
   * @param minimumCalls         runs recorded before the rate counts
   * @param openWait             time open before probe runs go through
   * @param halfOpenCalls        probe runs while half-open
   */
  public record CircuitBreaker(float failureRateThreshold, int slidingWindowSize, int minimumCalls, Duration openWait,
      int halfOpenCalls) {
    /** Checks the ranges. */
    public CircuitBreaker {
      if (!(failureRateThreshold > 0f && failureRateThreshold <= 100f)) {
        throw new SettingException("failure-rate-threshold", failureRateThreshold,
            "a percentage above 0 and at most 100");
      }
      range("sliding-window-size", slidingWindowSize, 1, Integer.MAX_VALUE);
      range("minimum-calls", minimumCalls, 1, Integer.MAX_VALUE);
      positive("open-wait", openWait);
      range("half-open-calls", halfOpenCalls, 1, Integer.MAX_VALUE);
    }
  }

  /** The defaults: {@code deduce.defaults} of the bundled reference.conf. */
  public static ModelSettings defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder(Binder.toConfig(this, "ModelSettings.toBuilder()"), warmUp);
  }

  /** These settings with {@code inputs} as the warm-up. */
  ModelSettings withWarmUp(List<NamedTensors> inputs) {
    return Binder.with(this, "warmUp", List.copyOf(inputs));
  }

  // Flat accessors the runtime reads.

  /** {@code queue.capacity}. */
  public int queueCapacity() { return queue.capacity(); }

  /** {@code queue.max-wait}. */
  public Duration queueMaxWait() { return queue.maxWait(); }

  /** The queue bound and overload answer of priority level {@code level}. */
  public Queue queue(int level) { return priority.queue(level, queue); }

  /** {@code batching.enabled}. */
  public boolean batchingEnabled() { return batching.enabled(); }

  /** {@code batching.max-size}. */
  public int maxBatchSize() { return batching.maxSize(); }

  /** {@code batching.max-queue-delay}. */
  public Duration maxQueueDelay() { return batching.maxQueueDelay(); }

  /** {@code batching.preferred-sizes}, ascending. */
  public SortedSet<Integer> preferredBatchSizes() { return batching.preferredSizes(); }

  /** {@code batching.check-invariance}. */
  public boolean checkInvariance() { return batching.checkInvariance(); }

  /** {@code batching.require-invariance}. */
  public boolean requireInvariance() { return batching.requireInvariance(); }

  /** {@code batching.pad}. */
  public Pad pad() { return batching.pad(); }

  /** {@code retry.max-attempts}. */
  public int retryMaxAttempts() { return retry.maxAttempts(); }

  /** {@code retry.initial-backoff}. */
  public Duration retryInitialBackoff() { return retry.initialBackoff(); }

  /** {@code retry.multiplier}. */
  public double retryMultiplier() { return retry.multiplier(); }

  /** {@code retry.jitter}. */
  public double retryJitter() { return retry.jitter(); }

  /** {@code retry.max-backoff}. */
  public Duration retryMaxBackoff() { return retry.maxBackoff(); }

  /** {@code circuit-breaker.failure-rate-threshold}. */
  public float breakerFailureRateThreshold() { return circuitBreaker.failureRateThreshold(); }

  /** {@code circuit-breaker.sliding-window-size}. */
  public int breakerSlidingWindowSize() { return circuitBreaker.slidingWindowSize(); }

  /** {@code circuit-breaker.minimum-calls}. */
  public int breakerMinimumCalls() { return circuitBreaker.minimumCalls(); }

  /** {@code circuit-breaker.open-wait}. */
  public Duration breakerOpenWait() { return circuitBreaker.openWait(); }

  /** {@code circuit-breaker.half-open-calls}. */
  public int breakerHalfOpenCalls() { return circuitBreaker.halfOpenCalls(); }

  /**
   * Sets keys over a base; {@link #build()} binds them like a config file, so the checks and messages are the same.
   */
  public static final class Builder {
    private final Config base;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private List<NamedTensors> warmUp;

    private Builder(Config base, List<NamedTensors> warmUp) {
      this.base = base;
      this.warmUp = warmUp;
    }

    /** Sets any model setting by its key, e.g. {@code set("batching.max-size", 16)}. */
    public Builder set(String key, Object value) {
      Objects.requireNonNull(value, key + " must not be null");
      values.put(key, value instanceof Duration d ? Binder.text(d) : value);
      return this;
    }

    /** {@code queue.capacity}. */
    public Builder queueCapacity(int v) { return set("queue.capacity", v); }

    /** {@code queue.max-wait}. */
    public Builder queueMaxWait(Duration v) { return set("queue.max-wait", v); }

    /** {@code priority.levels} and {@code priority.default-level}. */
    public Builder priorityLevels(int levels, int defaultLevel) {
      set("priority.levels", levels);
      return set("priority.default-level", defaultLevel);
    }

    /** {@code priority.queues.<level>}: that level's queue capacity and max wait. */
    public Builder priorityQueue(int level, int capacity, Duration maxWait) {
      return set("priority.queues." + level, Map.of("capacity", capacity, "max-wait", Binder.text(maxWait)));
    }

    /** {@code batching.enabled}. */
    public Builder batchingEnabled(boolean v) { return set("batching.enabled", v); }

    /** {@code batching.max-size}. */
    public Builder maxBatchSize(int v) { return set("batching.max-size", v); }

    /** {@code batching.max-queue-delay}. */
    public Builder maxQueueDelay(Duration v) { return set("batching.max-queue-delay", v); }

    /** {@code batching.preferred-sizes}. */
    public Builder preferredBatchSizes(List<Integer> sizes) { return set("batching.preferred-sizes", sizes); }

    /** {@code batching.check-invariance}. */
    public Builder checkInvariance(boolean v) { return set("batching.check-invariance", v); }

    /** {@code batching.require-invariance}. */
    public Builder requireInvariance(boolean v) { return set("batching.require-invariance", v); }

    /** {@code batching.pad}: pad inputs carrying {@code dim} with {@code values}, to {@code lengths} if any. */
    public Builder pad(String dim, Map<String, ? extends Number> values, List<Integer> lengths) {
      set("batching.pad.dim", dim);
      set("batching.pad.lengths", lengths);
      return set("batching.pad.values", new LinkedHashMap<>(values));
    }

    /** {@code instances}. */
    public Builder instances(int v) { return set("instances", v); }

    /** {@code deadline}. */
    public Builder deadline(Duration v) { return set("deadline", v); }

    /** {@code max-elements}. */
    public Builder maxElements(long v) { return set("max-elements", v); }

    /** {@code non-finite-inputs}. */
    public Builder nonFiniteInputs(NonFiniteInputs v) { return set("non-finite-inputs", v.name().toLowerCase(java.util.Locale.ROOT)); }

    /** {@code cache.enabled} and {@code cache.ttl}. */
    public Builder cache(boolean enabled, Duration ttl) {
      set("cache.enabled", enabled);
      return set("cache.ttl", ttl);
    }

    /** {@code fallback} and {@code fallback-version}: {@code version} null = the fallback's default version. */
    public Builder fallback(String model, String version) {
      set("fallback", model);
      return set("fallback-version", version == null ? "" : version);
    }

    /** {@code retry.max-attempts}. */
    public Builder retryMaxAttempts(int v) { return set("retry.max-attempts", v); }

    /** {@code retry.initial-backoff}. */
    public Builder retryInitialBackoff(Duration v) { return set("retry.initial-backoff", v); }

    /** {@code retry.multiplier}. */
    public Builder retryMultiplier(double v) { return set("retry.multiplier", v); }

    /** {@code retry.jitter}. */
    public Builder retryJitter(double v) { return set("retry.jitter", v); }

    /** {@code retry.max-backoff}. */
    public Builder retryMaxBackoff(Duration v) { return set("retry.max-backoff", v); }

    /** {@code circuit-breaker.failure-rate-threshold}. */
    public Builder breakerFailureRateThreshold(float v) { return set("circuit-breaker.failure-rate-threshold", v); }

    /** {@code circuit-breaker.sliding-window-size}. */
    public Builder breakerSlidingWindowSize(int v) { return set("circuit-breaker.sliding-window-size", v); }

    /** {@code circuit-breaker.minimum-calls}. */
    public Builder breakerMinimumCalls(int v) { return set("circuit-breaker.minimum-calls", v); }

    /** {@code circuit-breaker.open-wait}. */
    public Builder breakerOpenWait(Duration v) { return set("circuit-breaker.open-wait", v); }

    /** {@code circuit-breaker.half-open-calls}. */
    public Builder breakerHalfOpenCalls(int v) { return set("circuit-breaker.half-open-calls", v); }

    /** Inputs run once each, in order, on a newly deployed version before it takes traffic. */
    public Builder warmUp(List<NamedTensors> inputs) {
      warmUp = List.copyOf(Objects.requireNonNull(inputs, "warm-up inputs must not be null"));
      return this;
    }

    /** The settings; a bad value fails naming its key, the value and what is allowed. */
    public ModelSettings build() {
      Config set = ConfigFactory.parseMap(values, "ModelSettings.builder()");
      return Binder.bind(set.withFallback(base), ModelSettings.class, "").withWarmUp(warmUp);
    }
  }
}
