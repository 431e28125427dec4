package dev.deduce.spi;

import dev.deduce.api.ModelLoadException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an engine is asked to load.
 *
 * @param name    the model name
 * @param version the model version
 * @param path    the model file, or folder for formats such as SavedModel
 * @param format  the format id, one of the engine's {@link InferenceEngine#formats()}
 * @param options engine options from the model config, e.g. {@code intra-op-threads}
 */
public record ModelSource(String name, String version, Path path, String format, Map<String, String> options) {

  /** Rejects nulls and copies the options. */
  public ModelSource {
    Objects.requireNonNull(name, "model name must not be null");
    Objects.requireNonNull(version, "model version must not be null");
    Objects.requireNonNull(path, "model path must not be null");
    Objects.requireNonNull(format, "model format must not be null");
    options = Map.copyOf(Objects.requireNonNull(options, "options must not be null"));
  }

  /** A source with no engine options. */
  public static ModelSource of(String name, String version, Path path, String format) {
    return new ModelSource(name, version, path, format, Map.of());
  }

  /** The option {@code key}, or {@code fallback} when it is unset. */
  public String option(String key, String fallback) {
    return options.getOrDefault(key, fallback);
  }

  /**
   * The option {@code key} as a whole number in {@code [min, max]}, or {@code fallback} when unset.
   *
   * @throws ModelLoadException naming the model file when the option is not a whole number in range
   */
  public long longOption(String key, long fallback, long min, long max) {
    String raw = options.get(key);
    if (raw == null) {
      return fallback;
    }
    try {
      long v = Long.parseLong(raw.trim());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below with the expected range
    }
    throw new ModelLoadException(path, "option " + key + " is '" + raw + "'; expected a whole number from " + min
        + " to " + max);
  }

  /**
   * Checks that the format is one of {@code formats}, the loading engine's own.
   *
   * @throws ModelLoadException naming the model file, the format and the formats the engine loads
   */
  public void requireFormat(Set<String> formats) {
    if (!formats.contains(format)) {
      throw new ModelLoadException(path, "format '" + format + "' is not supported; expected "
          + String.join(" or ", new TreeSet<>(formats)));
    }
  }

  /**
   * Checks that every option key is one of {@code known}.
   *
   * @throws ModelLoadException naming the model file and the first unknown key, listing the known ones
   */
  public void requireKnownOptions(Set<String> known) {
    for (String key : new TreeSet<>(options.keySet())) {
      if (!known.contains(key)) {
        throw new ModelLoadException(path, "unknown option '" + key + "'; expected one of " + new TreeSet<>(known));
      }
    }
  }

  /**
   * The option {@code key}, trimmed and lower-cased, when it is one of {@code choices} (lower-case), or
   * {@code fallback} when unset.
   *
   * @throws ModelLoadException naming the model file when the option is none of the choices
   */
  public String choiceOption(String key, String fallback, List<String> choices) {
    String raw = options.get(key);
    if (raw == null) {
      return fallback;
    }
    String value = raw.trim().toLowerCase(Locale.ROOT);
    if (choices.contains(value)) {
      return value;
    }
    String expected = choices.size() == 1 ? choices.get(0)
        : String.join(", ", choices.subList(0, choices.size() - 1)) + " or " + choices.get(choices.size() - 1);
    throw new ModelLoadException(path, "option " + key + " is '" + raw + "'; expected " + expected);
  }
}
