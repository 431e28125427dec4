package dev.deduce.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how a store opens.
 *
 * @param location the database file or folder
 * @param options  store options such as {@code synchronous=FULL}
 */
public record StoreConfig(Path location, Map<String, String> options) {

  /** Rejects nulls and copies the options. */
  public StoreConfig {
    Objects.requireNonNull(location, "store location must not be null");
    options = Map.copyOf(Objects.requireNonNull(options, "options must not be null"));
  }

  /** The option {@code key}, or {@code fallback}. */
  public String option(String key, String fallback) {
    return options.getOrDefault(key, fallback);
  }
}
