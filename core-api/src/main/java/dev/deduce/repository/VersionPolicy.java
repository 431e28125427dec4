package dev.deduce.repository;

import dev.deduce.config.internal.Checks;
import dev.deduce.config.internal.Key;
import dev.deduce.config.SettingException;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which versions of a model are served, {@code version-policy} in the model's own model.conf: the latest N that load,
 * or an explicit list. Without one, the latest version that loads is served.
 *
 * @param highest  {@code latest}: how many of the highest versions to serve, 1 to 1000
 * @param versions the versions to serve, ascending
 */
record VersionPolicy(@Key("latest") Optional<Integer> highest, List<Long> versions) {

  static final VersionPolicy DEFAULT = new VersionPolicy(Optional.of(1), List.of());

  /** Exactly one of the two, in range. */
  VersionPolicy {
    if (highest.isPresent() == !versions.isEmpty()) {
      throw new SettingException(highest.isPresent() ? "versions" : "latest", highest.isPresent() ? versions : "unset",
          "exactly one of { latest = N } or { versions = [1, 3] }");
    }
    highest.ifPresent(n -> Checks.range("latest", n, 1, 1000));
    versions.forEach(v -> Checks.range("versions", v, 0, Long.MAX_VALUE));
    versions = List.copyOf(new TreeSet<>(versions));
  }

  /** How many of the highest versions to serve; 0 when {@link #versions()} lists them. */
  int latest() {
    return highest.orElse(0);
  }

  @Override
  public String toString() {
    return highest.map(n -> "latest " + n).orElse("versions " + versions);
  }
}
