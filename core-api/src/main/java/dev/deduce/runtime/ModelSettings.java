package dev.deduce.runtime;

import dev.deduce.api.NamedTensors;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How one model is served: queue, batching, instances, deadline, limits, retry, circuit breaker and warm-up.
 *
 * <p>Immutable and validated; build with {@link #builder()}. Each setter's error names the config key it maps to
 * (e.g. {@code batching.max-size}), the value and what is allowed.
 */
public final class ModelSettings {

  private static final ModelSettings DEFAULTS = new Builder().build();

  private final int queueCapacity;
  private final Duration queueMaxWait;
  private final boolean batchingEnabled;
  private final int maxBatchSize;
  private final Duration maxQueueDelay;
  private final SortedSet<Integer> preferredBatchSizes;
  private final int instances;
  private final Duration deadline;
  private final long maxElements;
  private final int retryMaxAttempts;
  private final Duration retryInitialBackoff;
  private final double retryMultiplier;
  private final double retryJitter;
  private final Duration retryMaxBackoff;
  private final float breakerFailureRate;
  private final int breakerWindowSize;
  private final int breakerMinimumCalls;
  private final Duration breakerOpenWait;
  private final int breakerHalfOpenCalls;
  private final List<NamedTensors> warmUp;

  private ModelSettings(Builder b) {
    queueCapacity = b.queueCapacity;
    queueMaxWait = b.queueMaxWait;
    batchingEnabled = b.batchingEnabled;
    maxBatchSize = b.maxBatchSize;
    maxQueueDelay = b.maxQueueDelay;
    preferredBatchSizes = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(b.preferredBatchSizes));
    instances = b.instances;
    deadline = b.deadline;
    maxElements = b.maxElements;
    retryMaxAttempts = b.retryMaxAttempts;
    retryInitialBackoff = b.retryInitialBackoff;
    retryMultiplier = b.retryMultiplier;
    retryJitter = b.retryJitter;
    retryMaxBackoff = b.retryMaxBackoff;
    breakerFailureRate = b.breakerFailureRate;
    breakerWindowSize = b.breakerWindowSize;
    breakerMinimumCalls = b.breakerMinimumCalls;
    breakerOpenWait = b.breakerOpenWait;
    breakerHalfOpenCalls = b.breakerHalfOpenCalls;
    warmUp = List.copyOf(b.warmUp);
  }

  /** The built-in defaults (the same as {@code deduce.defaults} in the bundled reference.conf). */
  public static ModelSettings defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the built-in defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Requests that may wait in the model's queue, which its versions share; the latest deployment's value holds. */
  public int queueCapacity() {
    return queueCapacity;
  }

  /** How long submit waits for queue room before failing; zero fails at once. */
  public Duration queueMaxWait() {
    return queueMaxWait;
  }

  /** Whether requests are batched; when false every engine run holds one request. */
  public boolean batchingEnabled() {
    return batchingEnabled;
  }

  /** Most rows (dimension 0, summed over requests) in one engine run. */
  public int maxBatchSize() {
    return maxBatchSize;
  }

  /** How long the oldest queued request waits for its batch to fill. */
  public Duration maxQueueDelay() {
    return maxQueueDelay;
  }

  /** Batch sizes dispatched without waiting for the delay once reachable, ascending. */
  public SortedSet<Integer> preferredBatchSizes() {
    return preferredBatchSizes;
  }

  /** Concurrent engine runs per model version. */
  public int instances() {
    return instances;
  }

  /** Deadline of a request whose caller gives no timeout. */
  public Duration deadline() {
    return deadline;
  }

  /** Most elements over all inputs of one request. */
  public long maxElements() {
    return maxElements;
  }

  /** Engine runs in all for a transiently failing batch (1 = no retry). */
  public int retryMaxAttempts() {
    return retryMaxAttempts;
  }

  /** Wait before the first retry. */
  public Duration retryInitialBackoff() {
    return retryInitialBackoff;
  }

  /** Factor the wait grows by per retry. */
  public double retryMultiplier() {
    return retryMultiplier;
  }

  /** Fraction by which each wait is randomised up or down. */
  public double retryJitter() {
    return retryJitter;
  }

  /** Longest wait between retries. */
  public Duration retryMaxBackoff() {
    return retryMaxBackoff;
  }

  /** Percent of failed runs in the window that opens the circuit breaker. */
  public float breakerFailureRateThreshold() {
    return breakerFailureRate;
  }

  /** Runs in the breaker's sliding window. */
  public int breakerSlidingWindowSize() {
    return breakerWindowSize;
  }

  /** Runs recorded before the failure rate counts. */
  public int breakerMinimumCalls() {
    return breakerMinimumCalls;
  }

  /** Time the breaker stays open before it lets probe runs through. */
  public Duration breakerOpenWait() {
    return breakerOpenWait;
  }

  /** Probe runs allowed while half-open. */
  public int breakerHalfOpenCalls() {
    return breakerHalfOpenCalls;
  }

  /** Inputs run once each on a new version before it takes traffic. */
  public List<NamedTensors> warmUp() {
    return warmUp;
  }

  @Override
  public String toString() {
    return "ModelSettings{queue.capacity=" + queueCapacity + ", queue.max-wait=" + queueMaxWait
        + ", batching.enabled=" + batchingEnabled + ", batching.max-size=" + maxBatchSize
        + ", batching.max-queue-delay=" + maxQueueDelay + ", batching.preferred-sizes=" + preferredBatchSizes
        + ", instances=" + instances + ", deadline=" + deadline + ", max-elements=" + maxElements
        + ", retry.max-attempts=" + retryMaxAttempts + ", retry.initial-backoff=" + retryInitialBackoff
        + ", retry.multiplier=" + retryMultiplier + ", retry.jitter=" + retryJitter
        + ", retry.max-backoff=" + retryMaxBackoff
        + ", circuit-breaker.failure-rate-threshold=" + breakerFailureRate
        + ", circuit-breaker.sliding-window-size=" + breakerWindowSize
        + ", circuit-breaker.minimum-calls=" + breakerMinimumCalls
        + ", circuit-breaker.open-wait=" + breakerOpenWait
        + ", circuit-breaker.half-open-calls=" + breakerHalfOpenCalls + ", warm-up=" + warmUp.size() + " inputs}";
  }

  /** Builds {@link ModelSettings}; every value is checked as it is set. */
  public static final class Builder {
    private int queueCapacity = 1024;
    private Duration queueMaxWait = Duration.ZERO;
    private boolean batchingEnabled = true;
    private int maxBatchSize = 32;
    private Duration maxQueueDelay = Duration.ZERO;
    private SortedSet<Integer> preferredBatchSizes = new TreeSet<>();
    private int instances = 1;
    private Duration deadline = Duration.ofSeconds(30);
    private long maxElements = 16_777_216L;
    private int retryMaxAttempts = 3;
    private Duration retryInitialBackoff = Duration.ofMillis(10);
    private double retryMultiplier = 2.0;
    private double retryJitter = 0.5;
    private Duration retryMaxBackoff = Duration.ofSeconds(1);
    private float breakerFailureRate = 50f;
    private int breakerWindowSize = 20;
    private int breakerMinimumCalls = 10;
    private Duration breakerOpenWait = Duration.ofSeconds(5);
    private int breakerHalfOpenCalls = 2;
    private List<NamedTensors> warmUp = List.of();

    private Builder() {}

    private Builder(ModelSettings s) {
      queueCapacity = s.queueCapacity;
      queueMaxWait = s.queueMaxWait;
      batchingEnabled = s.batchingEnabled;
      maxBatchSize = s.maxBatchSize;
      maxQueueDelay = s.maxQueueDelay;
      preferredBatchSizes = new TreeSet<>(s.preferredBatchSizes);
      instances = s.instances;
      deadline = s.deadline;
      maxElements = s.maxElements;
      retryMaxAttempts = s.retryMaxAttempts;
      retryInitialBackoff = s.retryInitialBackoff;
      retryMultiplier = s.retryMultiplier;
      retryJitter = s.retryJitter;
      retryMaxBackoff = s.retryMaxBackoff;
      breakerFailureRate = s.breakerFailureRate;
      breakerWindowSize = s.breakerWindowSize;
      breakerMinimumCalls = s.breakerMinimumCalls;
      breakerOpenWait = s.breakerOpenWait;
      breakerHalfOpenCalls = s.breakerHalfOpenCalls;
      warmUp = s.warmUp;
    }

    /** {@code queue.capacity}: 1 or more. */
    public Builder queueCapacity(int v) {
      queueCapacity = atLeast("queue.capacity", v, 1);
      return this;
    }

    /** {@code queue.max-wait}: zero or more. */
    public Builder queueMaxWait(Duration v) {
      queueMaxWait = notNegative("queue.max-wait", v);
      return this;
    }

    /** {@code batching.enabled}. */
    public Builder batchingEnabled(boolean v) {
      batchingEnabled = v;
      return this;
    }

    /** {@code batching.max-size}: 1 or more. */
    public Builder maxBatchSize(int v) {
      maxBatchSize = atLeast("batching.max-size", v, 1);
      return this;
    }

    /** {@code batching.max-queue-delay}: zero or more. */
    public Builder maxQueueDelay(Duration v) {
      maxQueueDelay = notNegative("batching.max-queue-delay", v);
      return this;
    }

    /** {@code batching.preferred-sizes}: each 1 or more and at most {@code batching.max-size} (checked at build). */
    public Builder preferredBatchSizes(List<Integer> sizes) {
      Objects.requireNonNull(sizes, "batching.preferred-sizes must not be null");
      SortedSet<Integer> s = new TreeSet<>();
      for (Integer v : sizes) {
        if (v == null || v < 1) {
          throw bad("batching.preferred-sizes", sizes, "a list of batch sizes, each 1 or more");
        }
        s.add(v);
      }
      preferredBatchSizes = s;
      return this;
    }

    /** {@code instances}: 1 to 1024. */
    public Builder instances(int v) {
      if (v < 1 || v > 1024) {
        throw bad("instances", v, "1 to 1024");
      }
      instances = v;
      return this;
    }

    /** {@code deadline}: positive. */
    public Builder deadline(Duration v) {
      deadline = positive("deadline", v);
      return this;
    }

    /** {@code max-elements}: 1 or more. */
    public Builder maxElements(long v) {
      if (v < 1) {
        throw bad("max-elements", v, "1 or more");
      }
      maxElements = v;
      return this;
    }

    /** {@code retry.max-attempts}: 1 to 100. */
    public Builder retryMaxAttempts(int v) {
      if (v < 1 || v > 100) {
        throw bad("retry.max-attempts", v, "1 to 100 (1 = no retry)");
      }
      retryMaxAttempts = v;
      return this;
    }

    /** {@code retry.initial-backoff}: positive. */
    public Builder retryInitialBackoff(Duration v) {
      retryInitialBackoff = positive("retry.initial-backoff", v);
      return this;
    }

    /** {@code retry.multiplier}: 1.0 or more. */
    public Builder retryMultiplier(double v) {
      if (!(v >= 1.0) || Double.isInfinite(v)) {
        throw bad("retry.multiplier", v, "a finite number of 1.0 or more");
      }
      retryMultiplier = v;
      return this;
    }

    /** {@code retry.jitter}: 0.0 up to (not including) 1.0. */
    public Builder retryJitter(double v) {
      if (!(v >= 0.0 && v < 1.0)) {
        throw bad("retry.jitter", v, "0.0 up to but not including 1.0");
      }
      retryJitter = v;
      return this;
    }

    /** {@code retry.max-backoff}: positive, at least {@code retry.initial-backoff} (checked at build). */
    public Builder retryMaxBackoff(Duration v) {
      retryMaxBackoff = positive("retry.max-backoff", v);
      return this;
    }

    /** {@code circuit-breaker.failure-rate-threshold}: above 0, at most 100 (percent). */
    public Builder breakerFailureRateThreshold(float v) {
      if (!(v > 0f && v <= 100f)) {
        throw bad("circuit-breaker.failure-rate-threshold", v, "a percentage above 0 and at most 100");
      }
      breakerFailureRate = v;
      return this;
    }

    /** {@code circuit-breaker.sliding-window-size}: 1 or more. */
    public Builder breakerSlidingWindowSize(int v) {
      breakerWindowSize = atLeast("circuit-breaker.sliding-window-size", v, 1);
      return this;
    }

    /** {@code circuit-breaker.minimum-calls}: 1 or more. */
    public Builder breakerMinimumCalls(int v) {
      breakerMinimumCalls = atLeast("circuit-breaker.minimum-calls", v, 1);
      return this;
    }

    /** {@code circuit-breaker.open-wait}: positive. */
    public Builder breakerOpenWait(Duration v) {
      breakerOpenWait = positive("circuit-breaker.open-wait", v);
      return this;
    }

    /** {@code circuit-breaker.half-open-calls}: 1 or more. */
    public Builder breakerHalfOpenCalls(int v) {
      breakerHalfOpenCalls = atLeast("circuit-breaker.half-open-calls", v, 1);
      return this;
    }

    /** Inputs run once each, in order, on a newly deployed version before it takes traffic. */
    public Builder warmUp(List<NamedTensors> inputs) {
      Objects.requireNonNull(inputs, "warm-up inputs must not be null");
      warmUp = List.copyOf(inputs);
      return this;
    }

    /** The settings, after checking the values that depend on each other. */
    public ModelSettings build() {
      if (!preferredBatchSizes.isEmpty() && preferredBatchSizes.last() > maxBatchSize) {
        throw bad("batching.preferred-sizes", preferredBatchSizes,
            "sizes of at most batching.max-size, which is " + maxBatchSize);
      }
      if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
        throw bad("retry.max-backoff", retryMaxBackoff,
            "at least retry.initial-backoff, which is " + retryInitialBackoff);
      }
      return new ModelSettings(this);
    }

    private static int atLeast(String key, int v, int min) {
      if (v < min) {
        throw bad(key, v, min + " or more");
      }
      return v;
    }

    private static Duration notNegative(String key, Duration v) {
      if (v == null || v.isNegative()) {
        throw bad(key, v, "a duration of zero or more, e.g. 5ms");
      }
      return v;
    }

    private static Duration positive(String key, Duration v) {
      if (v == null || v.isNegative() || v.isZero()) {
        throw bad(key, v, "a positive duration, e.g. 100ms");
      }
      return v;
    }

    private static IllegalArgumentException bad(String key, Object value, String allowed) {
      return new SettingException(key, String.valueOf(value), allowed);
    }
  }
}
