package dev.deduce.flink;

import dev.deduce.runtime.Durability;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How each parallel subtask starts its own {@link dev.deduce.host.DeduceHost}: serializable, shipped with the job
 * graph, resolved in {@code open()} on the task manager.
 *
 * <p>A location is a path on the task manager, or {@code cache:NAME} for a file or folder the job registered with
 * {@code env.registerCachedFile(path, NAME)} (Flink copies it to every task manager; a folder arrives unpacked).
 * Unset values come from the job's global parameters: {@code deduce.*} keys are Deduce settings (for example
 * {@code deduce.repository.dir}, {@code deduce.plugins.dir}, {@code deduce.store.id}), whose folder values may also
 * be {@code cache:NAME}; {@code deduce.flink.store-dir} is the folder of the per-subtask store files.
 *
 * <p>With a store, every subtask opens its own file {@code <store dir>/<operator uid>-<subtask index>}, so no two
 * processes ever write one SQLite file or Cozo folder. Durability is then RESULTS unless set: a finished record's
 * answer is kept, so a replay after a restore reads it instead of running again. DURABLE is refused: its submit waits
 * for the store write, which would block Flink's task thread, and Flink's checkpoint already holds records in flight.
 */
public final class HostSpec implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The job parameter naming the folder of the per-subtask store files. */
  public static final String STORE_DIR_PARAMETER = "deduce.flink.store-dir";
  /** The prefix of a location in Flink's distributed cache. */
  public static final String CACHE_PREFIX = "cache:";

  private final String models;
  private final String plugins;
  private final String configFile;
  private final String storeId;
  private final String storeDir;
  private final Durability durability;
  private final LinkedHashMap<String, String> settings;
  private final LinkedHashMap<String, String> storeOptions;

  private HostSpec(Builder b) {
    this.models = b.models;
    this.plugins = b.plugins;
    this.configFile = b.configFile;
    this.storeId = b.storeId;
    this.storeDir = b.storeDir;
    this.durability = b.durability;
    this.settings = new LinkedHashMap<>(b.settings);
    this.storeOptions = new LinkedHashMap<>(b.storeOptions);
  }

  /** A spec with nothing set: everything comes from the job's global parameters. */
  public static HostSpec fromJobParameters() {
    return builder().build();
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The model repository folder, when set here. */
  public Optional<String> models() {
    return Optional.ofNullable(models);
  }

  /** The plugins folder, when set here. */
  public Optional<String> plugins() {
    return Optional.ofNullable(plugins);
  }

  /** A HOCON settings file, when set here. */
  public Optional<String> configFile() {
    return Optional.ofNullable(configFile);
  }

  /** The store provider id, when set here. */
  public Optional<String> storeId() {
    return Optional.ofNullable(storeId);
  }

  /** The folder of the per-subtask store files, when set here. */
  public Optional<String> storeDir() {
    return Optional.ofNullable(storeDir);
  }

  /** The durability, when set here. */
  public Optional<Durability> durability() {
    return Optional.ofNullable(durability);
  }

  /** Deduce settings ({@code deduce.*} keys) set here; they win over the job parameters. */
  public Map<String, String> settings() {
    return Map.copyOf(settings);
  }

  /** The store's own options set here. */
  public Map<String, String> storeOptions() {
    return Map.copyOf(storeOptions);
  }

  @Override
  public String toString() {
    return "HostSpec{models=" + models + ", plugins=" + plugins + ", store=" + storeId + " in " + storeDir
        + ", durability=" + durability + ", settings=" + settings + "}";
  }

  /** Builds a {@link HostSpec}; values are checked as they are set. */
  public static final class Builder {
    private String models;
    private String plugins;
    private String configFile;
    private String storeId;
    private String storeDir;
    private Durability durability;
    private final LinkedHashMap<String, String> settings = new LinkedHashMap<>();
    private final LinkedHashMap<String, String> storeOptions = new LinkedHashMap<>();

    private Builder() {}

    /** The model repository folder: a path, or {@code cache:NAME}. */
    public Builder models(String location) {
      this.models = location(location, "models location");
      return this;
    }

    /** The plugins folder (engine and store plugin zips): a path, or {@code cache:NAME}. */
    public Builder plugins(String location) {
      this.plugins = location(location, "plugins location");
      return this;
    }

    /** A HOCON settings file layered over Deduce's defaults: a path, or {@code cache:NAME}. */
    public Builder configFile(String location) {
      this.configFile = location(location, "config file location");
      return this;
    }

    /** A store per subtask: provider {@code id} (e.g. sqlite), files under {@code dir} (a path or cache:NAME). */
    public Builder store(String id, String dir) {
      Objects.requireNonNull(id, "store id must not be null");
      if (id.isBlank()) {
        throw new IllegalArgumentException("store id is blank; expected a store provider id such as sqlite");
      }
      this.storeId = id;
      this.storeDir = location(dir, "store folder");
      return this;
    }

    /** One of the store's own options (e.g. sqlite's busyTimeoutMillis). */
    public Builder storeOption(String key, String value) {
      storeOptions.put(Objects.requireNonNull(key, "store option key must not be null"),
          Objects.requireNonNull(value, "store option value must not be null"));
      return this;
    }

    /** NONE (Flink's checkpoints are the only record) or RESULTS (finished answers kept per subtask). */
    public Builder durability(Durability d) {
      Objects.requireNonNull(d, "durability must not be null");
      if (d == Durability.DURABLE) {
        throw new IllegalArgumentException(durableRefused());
      }
      this.durability = d;
      return this;
    }

    /** A Deduce setting by its dotted key, e.g. {@code deduce.drain-timeout}; wins over the job parameters. */
    public Builder setting(String key, String value) {
      Objects.requireNonNull(key, "setting key must not be null");
      Objects.requireNonNull(value, "setting value must not be null");
      if (!key.startsWith("deduce.")) {
        throw new IllegalArgumentException("setting key '" + key + "' is not a Deduce setting; expected a key"
            + " starting with 'deduce.', e.g. deduce.drain-timeout");
      }
      settings.put(key, value);
      return this;
    }

    /** The spec. */
    public HostSpec build() {
      return new HostSpec(this);
    }

    private static String location(String location, String what) {
      Objects.requireNonNull(location, what + " must not be null");
      if (location.isBlank() || location.equals(CACHE_PREFIX)) {
        throw new IllegalArgumentException(what + " is '" + location + "'; expected a path on the task manager or"
            + " cache:NAME for a file registered with env.registerCachedFile");
      }
      return location;
    }
  }

  /** Why DURABLE is refused, for every place that can ask for it. */
  public static String durableRefused() {
    return "durability DURABLE is not available inside a Flink operator: its submit returns only once the store"
        + " holds the request, which would block Flink's task thread in asyncInvoke, and Flink's checkpoint already"
        + " records the requests in flight; expected NONE or RESULTS";
  }
}
