package dev.deduce.store.cozo;

import java.nio.file.Path;

/**
 * The folder where the wasmtime runner keeps what is costly to make again: the extracted JNI library and wasmtime's
 * cache of compiled machine code (the first Cranelift compile of the module takes seconds, a cached load a fraction
 * of one). System property {@value #PROPERTY}; by default {@code $XDG_CACHE_HOME/deduce/cozo}, else
 * {@code ~/.cache/deduce/cozo}. Safe to delete; it is filled again on the next start.
 */
final class CozoCache {

  static final String PROPERTY = "deduce.cozo.cache";

  private CozoCache() {}

  static Path folder() {
    String configured = System.getProperty(PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("deduce").resolve("cozo").toAbsolutePath();
  }
}
