package dev.deduce.runtime;

import java.nio.file.Path;
import java.time.Duration;
import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runtime-wide settings and each model's {@link ModelSettings}, loaded in layers: the bundled reference.conf, then a
 * config file, then {@code DEDUCE_...} environment variables, then {@code deduce.*} system properties.
 *
 * <p>Immutable. Loading fails with an {@link IllegalArgumentException} naming the key, the value and what is allowed.
 */
public final class RuntimeSettings {

  private final Durability durability;
  private final Duration drainTimeout;
  private final int streamMaxInFlight;
  private final int idempotencyMaxKeys;
  private final int groupCommitMaxRecords;
  private final Duration groupCommitMaxDelay;
  private final int groupCommitCapacity;
  private final int storeRetryMaxAttempts;
  private final Duration storeRetryInitialBackoff;
  private final Duration storeRetryMaxBackoff;
  private final ModelSettings defaults;
  private final Map<String, ModelSettings> models;
  private final Host host;
  private final Config config;

  RuntimeSettings(Durability durability, Duration drainTimeout, int streamMaxInFlight, int idempotencyMaxKeys,
      int groupCommitMaxRecords, Duration groupCommitMaxDelay, int groupCommitCapacity, int storeRetryMaxAttempts,
      Duration storeRetryInitialBackoff, Duration storeRetryMaxBackoff, ModelSettings defaults,
      Map<String, ModelSettings> models, Host host, Config config) {
    this.durability = Objects.requireNonNull(durability);
    this.drainTimeout = drainTimeout;
    this.streamMaxInFlight = streamMaxInFlight;
    this.idempotencyMaxKeys = idempotencyMaxKeys;
    this.groupCommitMaxRecords = groupCommitMaxRecords;
    this.groupCommitMaxDelay = groupCommitMaxDelay;
    this.groupCommitCapacity = groupCommitCapacity;
    this.storeRetryMaxAttempts = storeRetryMaxAttempts;
    this.storeRetryInitialBackoff = storeRetryInitialBackoff;
    this.storeRetryMaxBackoff = storeRetryMaxBackoff;
    this.defaults = Objects.requireNonNull(defaults);
    this.models = Map.copyOf(models);
    this.host = Objects.requireNonNull(host);
    this.config = Objects.requireNonNull(config);
  }

  /** The keys a host application reads: plugins, model repository and store. */
  record Host(Optional<Path> pluginsDir, List<String> trustedDigests, Optional<Path> modelsDir, Duration pollInterval,
      String storeId, Optional<Path> storeLocation, Map<String, String> storeOptions) {
    Host {
      trustedDigests = List.copyOf(trustedDigests);
      storeOptions = Map.copyOf(storeOptions);
    }
  }

  /** Loads every layer from this process: the file named by {@code deduce.config-file}, env and system properties. */
  public static RuntimeSettings load() {
    return SettingsLoader.load(null, System.getenv(), System.getProperties());
  }

  /** Loads every layer, with {@code file} as the config file layer. */
  public static RuntimeSettings load(Path file) {
    Objects.requireNonNull(file, "config file must not be null");
    return SettingsLoader.load(file, System.getenv(), System.getProperties());
  }

  /**
   * Loads every layer, with {@code overrides} (dotted keys such as {@code deduce.repository.dir}) over all of them.
   */
  public static RuntimeSettings load(Map<String, ?> overrides) {
    Objects.requireNonNull(overrides, "overrides must not be null");
    return SettingsLoader.load(null, System.getenv(), System.getProperties(), overrides);
  }

  /** The bundled defaults alone, ignoring files, environment and system properties. */
  public static RuntimeSettings defaults() {
    return SettingsLoader.load(null, Map.of(), new java.util.Properties());
  }

  /** {@code deduce.durability}. */
  public Durability durability() {
    return durability;
  }

  /** {@code deduce.drain-timeout}: how long close() waits for in-flight requests. */
  public Duration drainTimeout() {
    return drainTimeout;
  }

  /** {@code deduce.stream-max-in-flight}: requests a stream keeps outstanding. */
  public int streamMaxInFlight() {
    return streamMaxInFlight;
  }

  /** {@code deduce.idempotency-max-keys}: idempotency keys remembered in memory. */
  public int idempotencyMaxKeys() {
    return idempotencyMaxKeys;
  }

  /** {@code deduce.store.group-commit-max-records}: records per store call. */
  public int groupCommitMaxRecords() {
    return groupCommitMaxRecords;
  }

  /** {@code deduce.store.group-commit-max-delay}: longest wait for more records before a store call. */
  public Duration groupCommitMaxDelay() {
    return groupCommitMaxDelay;
  }

  /** {@code deduce.store.group-commit-capacity}: records the writer holds before callers block. */
  public int groupCommitCapacity() {
    return groupCommitCapacity;
  }

  /** {@code deduce.store.retry-max-attempts}: store calls in all for a failing result write. */
  public int storeRetryMaxAttempts() {
    return storeRetryMaxAttempts;
  }

  /** {@code deduce.store.retry-initial-backoff}. */
  public Duration storeRetryInitialBackoff() {
    return storeRetryInitialBackoff;
  }

  /** {@code deduce.store.retry-max-backoff}. */
  public Duration storeRetryMaxBackoff() {
    return storeRetryMaxBackoff;
  }

  /** {@code deduce.defaults}: settings of a model without overrides. */
  public ModelSettings defaultModelSettings() {
    return defaults;
  }

  /** Settings for {@code model}: {@code deduce.models.<model>} over {@code deduce.defaults}. */
  public ModelSettings model(String model) {
    return models.getOrDefault(model, defaults);
  }

  /** {@code deduce.plugins.dir}: the folder of plugin files, if set. */
  public Optional<Path> pluginsDir() {
    return host.pluginsDir();
  }

  /** {@code deduce.plugins.trusted-digests}: SHA-256 digests of trusted plugin files; empty trusts every file. */
  public List<String> trustedDigests() {
    return host.trustedDigests();
  }

  /** {@code deduce.repository.dir}: the model repository folder, if set. */
  public Optional<Path> modelsDir() {
    return host.modelsDir();
  }

  /** {@code deduce.repository.poll-interval}: how often the repository is checked for changes; zero = never. */
  public Duration pollInterval() {
    return host.pollInterval();
  }

  /** {@code deduce.store.id}: the store provider's id, if set. */
  public Optional<String> storeId() {
    return host.storeId().isEmpty() ? Optional.empty() : Optional.of(host.storeId());
  }

  /** {@code deduce.store.location}: where the store opens, if set. */
  public Optional<Path> storeLocation() {
    return host.storeLocation();
  }

  /** {@code deduce.store.options}: the store provider's own options. */
  public Map<String, String> storeOptions() {
    return host.storeOptions();
  }

  /** Every layer merged, including keys outside {@code deduce} (plugins read their own sections from it). */
  public Config config() {
    return config;
  }

  @Override
  public String toString() {
    return "RuntimeSettings{durability=" + durability + ", drain-timeout=" + drainTimeout + ", models="
        + models.keySet() + ", defaults=" + defaults + "}";
  }
}
