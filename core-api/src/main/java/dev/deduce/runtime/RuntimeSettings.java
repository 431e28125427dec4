package dev.deduce.runtime;

import static dev.deduce.config.internal.Checks.atLeast;
import static dev.deduce.config.internal.Checks.notNegative;
import static dev.deduce.config.internal.Checks.positive;
import static dev.deduce.config.internal.Checks.range;

import dev.deduce.config.internal.ByteSize;
import dev.deduce.config.internal.Key;
import dev.deduce.config.SettingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Runtime-wide settings, the {@code deduce} section, loaded in layers: the bundled reference.conf, then a config file,
 * then {@code DEDUCE_...} environment variables, then {@code deduce.*} system properties. Each component is the key
 * of its name in kebab-case; loading fails with an {@link IllegalArgumentException} naming the key, the value, its
 * origin and what is allowed.
 *
 * @param durability           {@code durability}
 * @param configFile           {@code config-file}: the file layered over reference.conf, if any
 * @param drainTimeout         how long close() waits for in-flight requests
 * @param streamMaxInFlight    requests a stream keeps outstanding, 1 to 100,000
 * @param idempotencyMaxBytes  bytes of idempotency keys and their results kept in memory; older ones are answered
 *                             from the store
 * @param plugins              {@code plugins}
 * @param repository           {@code repository}
 * @param store                {@code store}
 * @param defaultModelSettings {@code defaults}: settings of a model without overrides
 * @param models               {@code models}: per model, its keys over {@code defaults}
 */
public record RuntimeSettings(Durability durability, Optional<Path> configFile, Duration drainTimeout,
    int streamMaxInFlight, ByteSize idempotencyMaxBytes, Plugins plugins, Repository repository, StoreSettings store,
    @Key("defaults") ModelSettings defaultModelSettings, Map<String, ModelSettings> models) {

  /** Checks the ranges. */
  public RuntimeSettings {
    Objects.requireNonNull(durability, "durability");
    positive("drain-timeout", drainTimeout);
    range("stream-max-in-flight", streamMaxInFlight, 1, 100_000);
    Objects.requireNonNull(idempotencyMaxBytes, "idempotency-max-bytes");
    Objects.requireNonNull(defaultModelSettings, "defaults");
    models = Map.copyOf(models);
  }

  /**
   * {@code plugins}.
   *
   * @param dir            folder of plugin files, if any
   * @param trustedDigests SHA-256 digests (hex) of trusted plugin files; empty trusts every file
   * @param settings       values plugin extensions built by injection receive as {@code @Named("<key>") String}
   * @param unpackCache    where zip plugins are unpacked once per content; empty = the default folder
   */
  public record Plugins(Optional<Path> dir, List<String> trustedDigests, Map<String, String> settings,
      Optional<Path> unpackCache) {}

  /**
   * {@code repository}.
   *
   * @param dir          the model repository folder, if any
   * @param pollInterval how often it is checked for changes; zero = only on reload()
   */
  public record Repository(Optional<Path> dir, Duration pollInterval) {
    /** Checks the ranges. */
    public Repository {
      notNegative("poll-interval", pollInterval);
    }
  }

  /**
   * {@code store}.
   *
   * @param id                    the store provider's id, if any
   * @param location              where the store opens, if set
   * @param options               the store provider's own options
   * @param groupCommitMaxRecords records per store call, 1 to 1,000,000
   * @param groupCommitMaxDelay   extra wait for more appends while they keep arriving; zero = write at once
   * @param groupCommitResultWait longest an append waits for its own result, when the model's runs say it comes by
   *                              then, so request and result are one write; zero = never wait
   * @param groupCommitCapacity   appends queued, and results held, at most; at least the records per call
   * @param retryMaxAttempts      failed result writes in a row before health reports the store, 1 to 1000
   * @param retryInitialBackoff   wait before the first retry
   * @param retryMaxBackoff       longest wait, at least the initial one
   */
  public record StoreSettings(Optional<String> id, Optional<Path> location, Map<String, String> options,
      int groupCommitMaxRecords, Duration groupCommitMaxDelay, Duration groupCommitResultWait,
      int groupCommitCapacity, int retryMaxAttempts, Duration retryInitialBackoff, Duration retryMaxBackoff) {
    /** Checks the ranges and that the bounds agree. */
    public StoreSettings {
      range("group-commit-max-records", groupCommitMaxRecords, 1, 1_000_000);
      notNegative("group-commit-max-delay", groupCommitMaxDelay);
      notNegative("group-commit-result-wait", groupCommitResultWait);
      range("group-commit-capacity", groupCommitCapacity, 1, 10_000_000);
      if (groupCommitCapacity < groupCommitMaxRecords) {
        throw new SettingException("group-commit-capacity", groupCommitCapacity,
            "at least store.group-commit-max-records, which is " + groupCommitMaxRecords);
      }
      range("retry-max-attempts", retryMaxAttempts, 1, 1000);
      positive("retry-initial-backoff", retryInitialBackoff);
      atLeast("retry-max-backoff", positive("retry-max-backoff", retryMaxBackoff), "store.retry-initial-backoff",
          retryInitialBackoff);
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

  /** Loads every layer, with {@code overrides} (dotted keys such as {@code deduce.repository.dir}) over all of them. */
  public static RuntimeSettings load(Map<String, ?> overrides) {
    Objects.requireNonNull(overrides, "overrides must not be null");
    return SettingsLoader.load(null, System.getenv(), System.getProperties(), overrides);
  }

  /** The bundled defaults alone, ignoring files, environment and system properties. */
  public static RuntimeSettings defaults() {
    return SettingsLoader.load(null, Map.of(), new Properties());
  }

  /** Settings for {@code model}: {@code deduce.models.<model>} over {@code deduce.defaults}. */
  public ModelSettings model(String model) {
    return models.getOrDefault(model, defaultModelSettings);
  }

  /** {@code store.group-commit-max-records}. */
  public int groupCommitMaxRecords() { return store.groupCommitMaxRecords(); }

  /** {@code store.group-commit-max-delay}. */
  public Duration groupCommitMaxDelay() { return store.groupCommitMaxDelay(); }

  /** {@code store.group-commit-result-wait}. */
  public Duration groupCommitResultWait() { return store.groupCommitResultWait(); }

  /** {@code store.group-commit-capacity}. */
  public int groupCommitCapacity() { return store.groupCommitCapacity(); }

  /** {@code store.retry-max-attempts}. */
  public int storeRetryMaxAttempts() { return store.retryMaxAttempts(); }

  /** {@code store.retry-initial-backoff}. */
  public Duration storeRetryInitialBackoff() { return store.retryInitialBackoff(); }

  /** {@code store.retry-max-backoff}. */
  public Duration storeRetryMaxBackoff() { return store.retryMaxBackoff(); }

  /** {@code plugins.dir}. */
  public Optional<Path> pluginsDir() { return plugins.dir(); }

  /** {@code plugins.trusted-digests}. */
  public List<String> trustedDigests() { return plugins.trustedDigests(); }

  /** {@code repository.dir}. */
  public Optional<Path> modelsDir() { return repository.dir(); }

  /** {@code repository.poll-interval}. */
  public Duration pollInterval() { return repository.pollInterval(); }

  /** {@code store.id}. */
  public Optional<String> storeId() { return store.id(); }

  /** {@code store.location}. */
  public Optional<Path> storeLocation() { return store.location(); }

  /** {@code store.options}. */
  public Map<String, String> storeOptions() { return store.options(); }
}
