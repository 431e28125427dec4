package dev.deduce.plugin;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A plugin the host loaded and started.
 *
 * @param id      the Plugin-Id
 * @param version the Plugin-Version
 * @param source  the plugin file in the plugins folder
 * @param sha256  the file's SHA-256 digest, lower-case hex
 * @param pinned  whether it contributes an engine or declares {@code Plugin-Native: true}, so it is never
 *                unloaded or reloaded in this JVM
 * @param engines the engine ids it contributes
 * @param stores  the store ids it contributes
 */
public record PluginInfo(String id, String version, Path source, String sha256, boolean pinned, List<String> engines,
    List<String> stores) {

  /** Rejects nulls and copies the lists. */
  public PluginInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(sha256, "sha256");
    engines = List.copyOf(engines);
    stores = List.copyOf(stores);
  }
}
