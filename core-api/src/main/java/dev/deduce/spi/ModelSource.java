package dev.deduce.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine is asked to load.
 *
 * @param name    the model name
 * @param version the model version
 * @param path    the model file, or folder for formats such as SavedModel
 * @param format  the format id, one of the engine's {@link InferenceEngine#formats()}
 * @param options engine options from the model config, e.g. {@code intraOpThreads}
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
}
