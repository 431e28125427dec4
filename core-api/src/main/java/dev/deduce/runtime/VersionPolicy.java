package dev.deduce.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.deduce.api.ModelLoadException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions of a model are served: the latest N that load ({@code version-policy.latest}, default 1), or an
 * explicit list ({@code version-policy.versions}).
 *
 * @param latest   how many of the highest versions to serve, or 0 when {@code versions} is given
 * @param versions the versions to serve, empty when {@code latest} is given
 */
public record VersionPolicy(int latest, List<Long> versions) {

  static final VersionPolicy DEFAULT = new VersionPolicy(1, List.of());

  static VersionPolicy read(Path file, Config c) {
    if (!c.hasPath("version-policy")) {
      return DEFAULT;
    }
    try {
      Config p = c.getConfig("version-policy");
      Set<String> keys = p.root().keySet();
      if (keys.size() != 1 || !(keys.contains("latest") || keys.contains("versions"))) {
        throw new ModelLoadException(file, "version-policy has keys " + keys + "; expected exactly one of"
            + " { latest = N } or { versions = [1, 3] }");
      }
      if (p.hasPath("latest")) {
        int n = p.getInt("latest");
        if (n < 1 || n > 1000) {
          throw new ModelLoadException(file, "version-policy.latest is " + n + "; expected 1 to 1000");
        }
        return new VersionPolicy(n, List.of());
      }
      List<Long> listed = p.getLongList("versions");
      if (listed.isEmpty() || listed.stream().anyMatch(v -> v < 0)) {
        throw new ModelLoadException(file, "version-policy.versions is " + listed + "; expected a non-empty list of "
            + "version numbers (0 or more)");
      }
      return new VersionPolicy(0, List.copyOf(new TreeSet<>(listed)));
    } catch (ConfigException e) {
      throw new ModelLoadException(file, "bad version-policy: " + e.getMessage() + "; expected { latest = N } or"
          + " { versions = [1, 3] }");
    }
  }

  @Override
  public String toString() {
    return latest > 0 ? "latest " + latest : "versions " + versions;
  }
}
