package dev.deduce.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** Layers Typesafe Config sources into {@link RuntimeSettings}, turning every bad value into a clear error. */
final class SettingsLoader {

  static final String ROOT = "deduce";
  private static final String ENV_PREFIX = "DEDUCE_";

  private SettingsLoader() {}

  /** Layers, later wins: reference.conf, {@code file} (or the one configured), {@code env}, {@code props}. */
  static RuntimeSettings load(Path file, Map<String, String> env, Properties props) {
    return load(file, env, props, Map.of());
  }

  /** As {@link #load(Path, Map, Properties)}, with {@code app} (keys such as {@code deduce.plugins.dir}) on top. */
  static RuntimeSettings load(Path file, Map<String, String> env, Properties props, Map<String, ?> app) {
    Config reference = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config sysLayer = ConfigFactory.parseMap(deduceProperties(props), "system properties");
    Config envLayer = ConfigFactory.parseMap(envOverrides(env), "environment variables " + ENV_PREFIX + "*");
    Config appLayer;
    try {
      appLayer = ConfigFactory.parseMap(app, "application overrides");
    } catch (ConfigException e) {
      throw new IllegalArgumentException("application overrides cannot be read: " + e.getMessage()
          + "; expected dotted keys such as deduce.repository.dir with plain values", e);
    }
    Config overrides = appLayer.withFallback(sysLayer).withFallback(envLayer);
    Path configFile = file != null ? file : configuredFile(overrides);
    Config fileLayer = ConfigFactory.empty();
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        throw new IllegalArgumentException("config file " + configFile + " does not exist or is not a file;"
            + " expected a readable HOCON file (set by " + ROOT + ".config-file or " + ENV_PREFIX + "CONFIG__FILE)");
      }
      try {
        fileLayer = ConfigFactory.parseFile(configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("config file " + configFile + " cannot be parsed: " + e.getMessage()
            + "; expected HOCON or JSON", e);
      }
    }
    Config merged;
    try {
      merged = overrides.withFallback(fileLayer).withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException("settings cannot be resolved: " + e.getMessage(), e);
    }
    return read(merged, reference);
  }

  /** {@code DEDUCE_DEFAULTS_BATCHING_MAX__SIZE} → {@code deduce.defaults.batching.max-size} ("_" "." "__" "-" "___" "_"). */
  static Map<String, String> envOverrides(Map<String, String> env) {
    Map<String, String> out = new HashMap<>();
    env.forEach((k, v) -> {
      if (k.startsWith(ENV_PREFIX) && k.length() > ENV_PREFIX.length()) {
        out.put(ROOT + "." + envKeyToPath(k.substring(ENV_PREFIX.length())), v);
      }
    });
    return out;
  }

  private static String envKeyToPath(String key) {
    StringBuilder sb = new StringBuilder();
    String lower = key.toLowerCase(Locale.ROOT);
    int i = 0;
    while (i < lower.length()) {
      char c = lower.charAt(i);
      if (c != '_') {
        sb.append(c);
        i++;
        continue;
      }
      int run = 0;
      while (i < lower.length() && lower.charAt(i) == '_') {
        run++;
        i++;
      }
      // runs of underscores map like Typesafe's CONFIG_FORCE_ convention, repeated for longer runs
      for (; run >= 3; run -= 3) {
        sb.append('_');
      }
      sb.append(run == 2 ? "-" : run == 1 ? "." : "");
    }
    return sb.toString();
  }

  private static Map<String, String> deduceProperties(Properties props) {
    Map<String, String> out = new HashMap<>();
    for (String name : props.stringPropertyNames()) {
      if (name.startsWith(ROOT + ".")) {
        out.put(name, props.getProperty(name));
      }
    }
    return out;
  }

  private static Path configuredFile(Config overrides) {
    String key = ROOT + ".config-file";
    if (!overrides.hasPath(key)) {
      return null;
    }
    String value = overrides.getString(key);
    return value.isBlank() ? null : Path.of(value);
  }

  private static RuntimeSettings read(Config merged, Config reference) {
    checkKnownKeys(merged.getConfig(ROOT), reference.getConfig(ROOT));
    Reader r = new Reader(merged.getConfig(ROOT), ROOT + ".");
    Durability durability = r.get("durability", c -> {
      String v = c.getString("durability").trim().toUpperCase(Locale.ROOT);
      try {
        return Durability.valueOf(v);
      } catch (IllegalArgumentException e) {
        throw new SettingException("durability", v, "one of NONE, RESULTS, DURABLE");
      }
    }, "one of NONE, RESULTS, DURABLE");
    Duration drain = r.duration("drain-timeout", true);
    int streamInFlight = r.intIn("stream-max-in-flight", 1, 100_000);
    int idemKeys = r.intIn("idempotency-max-keys", 0, Integer.MAX_VALUE);
    int gcMax = r.intIn("store.group-commit-max-records", 1, 1_000_000);
    Duration gcDelay = r.duration("store.group-commit-max-delay", false);
    int gcCapacity = r.intIn("store.group-commit-capacity", 1, 10_000_000);
    int storeAttempts = r.intIn("store.retry-max-attempts", 1, 1000);
    Duration storeInitial = r.duration("store.retry-initial-backoff", true);
    Duration storeMax = r.duration("store.retry-max-backoff", true);
    if (storeMax.compareTo(storeInitial) < 0) {
      throw r.bad("store.retry-max-backoff", storeMax.toString(),
          "at least store.retry-initial-backoff, which is " + storeInitial);
    }
    if (gcCapacity < gcMax) {
      throw r.bad("store.group-commit-capacity", Integer.toString(gcCapacity),
          "at least store.group-commit-max-records, which is " + gcMax);
    }
    Config defaultsCfg = merged.getConfig(ROOT + ".defaults");
    ModelSettings defaults = modelSettings(defaultsCfg, ROOT + ".defaults.");
    Map<String, ModelSettings> models = new HashMap<>();
    Config modelsCfg = merged.getConfig(ROOT + ".models");
    for (String name : modelsCfg.root().keySet()) {
      ConfigValue v = modelsCfg.root().get(name);
      String prefix = ROOT + ".models." + ConfigUtil.joinPath(name) + ".";
      if (v.valueType() != ConfigValueType.OBJECT) {
        throw new IllegalArgumentException("bad setting " + prefix.substring(0, prefix.length() - 1) + " = "
            + v.render() + " (" + v.origin().description() + "): expected an object of model settings such as "
            + "{ batching.max-size = 16 }");
      }
      Config modelCfg = modelsCfg.getConfig(ConfigUtil.joinPath(name)).withFallback(defaultsCfg);
      models.put(name, modelSettings(modelCfg, prefix));
    }
    RuntimeSettings.Host host = new RuntimeSettings.Host(r.optionalPath("plugins.dir"),
        r.get("plugins.trusted-digests", c -> c.getStringList("plugins.trusted-digests"),
            "a list of SHA-256 digests in hex"),
        r.optionalPath("repository.dir"), r.duration("repository.poll-interval", false),
        r.get("store.id", c -> c.getString("store.id").trim(), "a store id such as sqlite, or \"\""),
        r.optionalPath("store.location"), r.stringMap("store.options"));
    return new RuntimeSettings(durability, drain, streamInFlight, idemKeys, gcMax, gcDelay, gcCapacity,
        storeAttempts, storeInitial, storeMax, defaults, models, host, merged);
  }

  private static ModelSettings modelSettings(Config c, String prefix) {
    return modelSettings(c, prefix, ModelSettings.defaults());
  }

  /**
   * {@code base} with every model setting present in {@code c} applied; errors name {@code prefix + key} and the
   * value's origin (file and line).
   */
  static ModelSettings modelSettings(Config c, String prefix, ModelSettings base) {
    Reader r = new Reader(c, prefix);
    ModelSettings.Builder b = base.toBuilder();
    r.apply("queue.capacity", () -> b.queueCapacity(r.integer("queue.capacity")));
    r.apply("queue.max-wait", () -> b.queueMaxWait(r.duration("queue.max-wait", false)));
    r.apply("batching.enabled", () -> b.batchingEnabled(r.bool("batching.enabled")));
    r.apply("batching.max-size", () -> b.maxBatchSize(r.integer("batching.max-size")));
    r.apply("batching.max-queue-delay", () -> b.maxQueueDelay(r.duration("batching.max-queue-delay", false)));
    r.apply("batching.preferred-sizes", () -> b.preferredBatchSizes(r.intList("batching.preferred-sizes")));
    r.apply("instances", () -> b.instances(r.integer("instances")));
    r.apply("deadline", () -> b.deadline(r.duration("deadline", true)));
    r.apply("max-elements", () -> b.maxElements(r.get("max-elements", cfg -> cfg.getLong("max-elements"),
        "a whole number")));
    r.apply("retry.max-attempts", () -> b.retryMaxAttempts(r.integer("retry.max-attempts")));
    r.apply("retry.initial-backoff", () -> b.retryInitialBackoff(r.duration("retry.initial-backoff", true)));
    r.apply("retry.multiplier", () -> b.retryMultiplier(r.number("retry.multiplier")));
    r.apply("retry.jitter", () -> b.retryJitter(r.number("retry.jitter")));
    r.apply("retry.max-backoff", () -> b.retryMaxBackoff(r.duration("retry.max-backoff", true)));
    r.apply("circuit-breaker.failure-rate-threshold",
        () -> b.breakerFailureRateThreshold((float) r.number("circuit-breaker.failure-rate-threshold")));
    r.apply("circuit-breaker.sliding-window-size",
        () -> b.breakerSlidingWindowSize(r.integer("circuit-breaker.sliding-window-size")));
    r.apply("circuit-breaker.minimum-calls",
        () -> b.breakerMinimumCalls(r.integer("circuit-breaker.minimum-calls")));
    r.apply("circuit-breaker.open-wait", () -> b.breakerOpenWait(r.duration("circuit-breaker.open-wait", true)));
    r.apply("circuit-breaker.half-open-calls",
        () -> b.breakerHalfOpenCalls(r.integer("circuit-breaker.half-open-calls")));
    try {
      return b.build();
    } catch (SettingException e) {
      throw r.bad(e.key(), e.value(), e.allowed());
    }
  }

  /** The keys of one model's settings, such as {@code batching.max-size}. */
  static Set<String> modelKeys() {
    Config reference = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf");
    return leafPaths(reference.getConfig(ROOT + ".defaults"));
  }

  /** Rejects keys the reference does not define, so a typo fails start-up instead of being ignored. */
  private static void checkKnownKeys(Config user, Config reference) {
    Set<String> known = leafPaths(reference);
    Set<String> modelKeys = leafPaths(reference.getConfig("defaults"));
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      List<String> path = ConfigUtil.splitPath(e.getKey());
      String where = " (" + e.getValue().origin().description() + ")";
      if (path.get(0).equals("models")) {
        if (path.size() < 3) {
          continue; // a model entry that is not an object is reported with its value when read
        }
        String rest = ConfigUtil.joinPath(path.subList(2, path.size()));
        if (!modelKeys.contains(rest)) {
          throw new IllegalArgumentException("unknown setting " + ROOT + "." + e.getKey() + where
              + "; expected one of the model keys " + new TreeSet<>(modelKeys));
        }
      } else if (path.size() > 2 && path.get(0).equals("store") && path.get(1).equals("options")) {
        continue; // store options are the store plugin's own keys
      } else if (!known.contains(e.getKey())) {
        throw new IllegalArgumentException("unknown setting " + ROOT + "." + e.getKey() + where
            + "; expected one of " + new TreeSet<>(known) + " or models.<name>.<model key>");
      }
    }
  }

  private static Set<String> leafPaths(Config c) {
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      out.add(e.getKey());
    }
    return out;
  }

  /** Reads typed values under a prefix; every failure names the full key, the value, its origin and what is allowed. */
  private static final class Reader {
    private final Config config;
    private final String prefix;

    Reader(Config config, String prefix) {
      this.config = config;
      this.prefix = prefix;
    }

    void apply(String key, Runnable setter) {
      if (!config.hasPathOrNull(key)) {
        return;
      }
      try {
        setter.run();
      } catch (SettingException e) {
        throw bad(key, e.value(), e.allowed());
      }
    }

    <T> T get(String key, Function<Config, T> getter, String allowed) {
      try {
        return getter.apply(config);
      } catch (ConfigException.Missing e) {
        throw new IllegalArgumentException("missing setting " + prefix + key + "; expected " + allowed, e);
      } catch (ConfigException | NumberFormatException e) {
        throw bad(key, rendered(key), allowed);
      } catch (SettingException e) {
        throw bad(key, e.value(), e.allowed());
      }
    }

    int integer(String key) {
      return get(key, c -> c.getInt(key), "a whole number");
    }

    int intIn(String key, int min, int max) {
      int v = integer(key);
      if (v < min || v > max) {
        throw bad(key, Integer.toString(v), min + " to " + max);
      }
      return v;
    }

    double number(String key) {
      return get(key, c -> c.getDouble(key), "a number");
    }

    boolean bool(String key) {
      return get(key, c -> c.getBoolean(key), "true or false");
    }

    Duration duration(String key, boolean positive) {
      String allowed = (positive ? "a positive" : "a zero or positive") + " duration such as 250ms, 2s or 1m";
      Duration d = get(key, c -> c.getDuration(key), allowed);
      if (d.isNegative() || (positive && d.isZero())) {
        throw bad(key, rendered(key), allowed);
      }
      return d;
    }

    /** A list, or a comma-separated string as an environment variable or system property gives it. */
    List<Integer> intList(String key) {
      String allowed = "a list of whole numbers such as [4, 8] (or \"4,8\")";
      return get(key, c -> {
        if (c.getValue(key).valueType() == ConfigValueType.STRING) {
          List<Integer> out = new ArrayList<>();
          for (String part : c.getString(key).split(",")) {
            if (!part.isBlank()) {
              out.add(Integer.parseInt(part.trim()));
            }
          }
          return out;
        }
        return c.getIntList(key);
      }, allowed);
    }

    /** An empty string is none. */
    java.util.Optional<Path> optionalPath(String key) {
      String v = get(key, c -> c.getString(key).trim(), "a path, or \"\" for none");
      try {
        return v.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(v));
      } catch (java.nio.file.InvalidPathException e) {
        throw bad(key, rendered(key), "a valid path: " + e.getMessage());
      }
    }

    /** Leaves of an object as dotted keys and their values as text. */
    Map<String, String> stringMap(String key) {
      return get(key, c -> {
        Map<String, String> out = new java.util.TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig(key).entrySet()) {
          ConfigValue v = e.getValue();
          if (v.valueType() == ConfigValueType.LIST) {
            throw new SettingException(key + "." + e.getKey(), v.render(), "a string, number or boolean");
          }
          out.put(e.getKey(), String.valueOf(v.unwrapped()));
        }
        return out;
      }, "an object of plain values");
    }

    String rendered(String key) {
      try {
        return config.getValue(key).render();
      } catch (ConfigException e) {
        return "(unreadable)";
      }
    }

    IllegalArgumentException bad(String key, String value, String allowed) {
      String origin = "";
      try {
        origin = " (" + config.getValue(key).origin().description() + ")";
      } catch (ConfigException e) {
        origin = "";
      }
      return new IllegalArgumentException("bad setting " + prefix + key + " = " + value + origin + ": expected "
          + allowed);
    }
  }
}
