package dev.deduce.plugin;

import java.util.Objects;
import java.util.Optional;

/**
 * An engine or store provider and where it came from.
 *
 * @param id        the engine or store id
 * @param extension the engine or provider, wrapped so every call runs with its plugin's context class loader
 * @param pluginId  the plugin that contributed it, empty when it came from the classpath
 * @param source    the plugin file, or {@code classpath}
 * @param <T>       {@link dev.deduce.spi.InferenceEngine} or {@link dev.deduce.spi.StoreProvider}
 */
public record Contributed<T>(String id, T extension, Optional<String> pluginId, String source) {

  /** Rejects nulls. */
  public Contributed {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(extension, "extension");
    Objects.requireNonNull(pluginId, "pluginId");
    Objects.requireNonNull(source, "source");
  }
}
