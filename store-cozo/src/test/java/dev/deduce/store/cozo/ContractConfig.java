package dev.deduce.store.cozo;

import dev.deduce.spi.StoreConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * The store configuration both contract runs use, from the classpath and as a plugin. It names no store class, so
 * the plugin run can use it without loading the store from the test classpath.
 */
final class ContractConfig {

  /** Below the 64 MiB default so the suite's oversize record (this plus 1 MiB) stays small; above its 16 MB tensors. */
  static final long MAX_RECORD_BYTES = 20L << 20;

  private ContractConfig() {}

  /** The configuration with store option {@code runner} set to {@code runner} (wasmtime or chicory). */
  static StoreConfig config(Path folder, String runner) {
    return new StoreConfig(folder.resolve("cozo"), Map.of("maxRecordBytes", Long.toString(MAX_RECORD_BYTES),
        "runner", runner));
  }
}
