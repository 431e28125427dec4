package dev.deduce.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import dev.deduce.config.internal.Binder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

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
    Config reference = reference();
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
    return read(merged);
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

  /** Each {@code deduce.models.<name>} falls back to {@code deduce.defaults} key by key, then all is bound. */
  private static RuntimeSettings read(Config merged) {
    Config deduce = merged.getConfig(ROOT);
    if (deduce.getValue("defaults") instanceof ConfigObject defaults
        && deduce.getValue("models") instanceof ConfigObject models) {
      for (Map.Entry<String, ConfigValue> m : models.entrySet()) {
        if (m.getValue() instanceof ConfigObject model) {
          deduce = deduce.withValue("models." + ConfigUtil.joinPath(m.getKey()), model.withFallback(defaults));
        }
      }
    }
    return Binder.bind(deduce, RuntimeSettings.class, ROOT + ".");
  }

  /** The bundled reference.conf: every key and every default. */
  static Config reference() {
    return ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
  }
}
