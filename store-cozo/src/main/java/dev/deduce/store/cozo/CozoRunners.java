package dev.deduce.store.cozo;

import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store option {@code runner}: which WebAssembly runtime runs Cozo. {@code wasmtime} compiles the module to
 * machine code (a native library, 10-60x faster); {@code chicory} runs it as JVM bytecode (pure Java, any JVM);
 * {@code auto}, the default, takes wasmtime where its native library loads and otherwise Chicory, saying why once.
 */
enum CozoRunners {
  AUTO,
  WASMTIME,
  CHICORY;

  private static final Logger LOG = LoggerFactory.getLogger(CozoRunners.class);
  private static boolean warned;

  static CozoRunners parse(String text) {
    for (CozoRunners r : values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(text.strip())) {
        return r;
      }
    }
    throw new IllegalArgumentException(CozoStoreOptions.RUNNER + " is '" + text
        + "'; expected auto, wasmtime or chicory");
  }

  /** Makes runners of this kind; {@code auto} decides here, once per store. */
  Supplier<CozoRunner> factory() {
    return switch (this) {
      case CHICORY -> ChicoryCozoRunner::new;
      case WASMTIME -> {
        try {
          WasmtimeModule.require();
        } catch (RuntimeException e) {
          throw new IllegalStateException("runner wasmtime cannot start here: " + e.getMessage()
              + "; expected a platform wasmtime-java " + WasmtimeNative.VERSION + " has natives for, or set "
              + CozoStoreOptions.RUNNER + " to chicory or auto", e);
        }
        yield WasmtimeCozoRunner::new;
      }
      case AUTO -> {
        try {
          WasmtimeModule.require();
          yield WasmtimeCozoRunner::new;
        } catch (RuntimeException e) {
          warnOnce(e);
          yield ChicoryCozoRunner::new;
        }
      }
    };
  }

  private static synchronized void warnOnce(RuntimeException why) {
    if (!warned) {
      warned = true;
      LOG.warn("Cozo runs on Chicory (pure Java, much slower) because wasmtime cannot start here: {}. Set store "
          + "option {}=chicory to choose it and silence this warning.", why.getMessage(), CozoStoreOptions.RUNNER);
    }
  }
}
