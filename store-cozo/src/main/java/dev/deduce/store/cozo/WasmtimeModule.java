package dev.deduce.store.cozo;

import io.github.kawamuray.wasmtime.Config;
import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.Module;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The wasmtime engine and the Cozo module compiled for it, made once per JVM and shared by every runner (each has
 * its own store and instance). Never disposed: the plugin that holds them is native and never unloaded.
 */
final class WasmtimeModule {

  /** The engine and module, or why they could not be made. */
  private record Compiled(Engine engine, Module module, Module driver, RuntimeException failure) {}

  private static Compiled compiled;

  private WasmtimeModule() {}

  static synchronized Engine engine() {
    return get().engine();
  }

  static synchronized Module module() {
    return get().module();
  }

  // one clock module per import type (Cozo's build has one), compiled once per JVM
  private static final Map<FuncType, Module> CLOCKS = new HashMap<>();

  static synchronized Module clock(FuncType type) {
    return CLOCKS.computeIfAbsent(type, t -> WasmtimeClock.compile(get().engine(), t));
  }

  static synchronized Module driver() {
    return get().driver();
  }

  /** Loads the native library and compiles the module now; throws, naming why, when that is impossible here. */
  static synchronized void require() {
    get();
  }

  private static Compiled get() {
    if (compiled == null) {
      compiled = compile();
    }
    if (compiled.failure() != null) {
      throw compiled.failure();
    }
    return compiled;
  }

  private static Compiled compile() {
    Path cache = CozoCache.folder();
    try {
      WasmtimeNative.load(cache);
      byte[] wasm = resource("cozo.wasm", "the module the build copies there (profile cozo-engine)");
      byte[] driver = resource("cozo-driver.wat", "the driver module shipped with the runner");
      Config config = new Config();
      config.cacheConfigLoad(cacheConfig(cache));
      // every memory is a 4 GiB reservation that grows in place, so its base never moves: the runner may keep
      // one direct buffer over memory and refetch it only when an access passes its end (WasmtimeCozoRunner)
      config.staticMemoryMaximumSize(4L << 30);
      config.wasmBulkMemory(true);
      Engine engine = new Engine(config);
      return new Compiled(engine, Module.fromBinary(engine, wasm), new Module(engine, driver), null);
    } catch (IOException e) {
      return new Compiled(null, null, null, new IllegalStateException("cannot prepare wasmtime's code cache under "
          + cache + ": " + e.getMessage() + "; expected a writable folder (system property " + CozoCache.PROPERTY
          + ")", e));
    } catch (RuntimeException | LinkageError e) {
      return new Compiled(null, null, null, e instanceof RuntimeException r ? r
          : new IllegalStateException("wasmtime cannot start: " + e, e));
    }
  }

  private static byte[] resource(String name, String expected) throws IOException {
    try (InputStream in = WasmtimeModule.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the store jar has no dev/deduce/store/cozo/" + name + "; expected "
            + expected);
      }
      return in.readAllBytes();
    }
  }

  // wasmtime's cache is configured by a TOML file; a literal string keeps Windows back-slashes as they are
  private static Path cacheConfig(Path cache) throws IOException {
    Path code = cache.resolve("wasmtime-code");
    Files.createDirectories(code);
    Path toml = cache.resolve("wasmtime-cache.toml");
    String text = "[cache]\nenabled = true\ndirectory = '" + code + "'\n";
    if (!Files.isRegularFile(toml) || !Files.readString(toml, StandardCharsets.UTF_8).equals(text)) {
      Path tmp = Files.createTempFile(cache, "wasmtime-cache", ".toml");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, toml, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    return toml;
  }
}
