package dev.deduce.perf.store;

import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;
import java.util.Map;

/** Proves the store contract against a small append-only log store. */
class LogStoreContractTest extends StoreContract {

  private static final long MAX_RECORD_BYTES = 32L << 20;

  @Override
  protected StoreProvider provider() {
    return new StoreProvider() {
      @Override
      public String id() {
        return "log";
      }

      @Override
      public Store open(StoreConfig config) {
        return new LogStore(config.location(), MAX_RECORD_BYTES);
      }
    };
  }

  @Override
  protected StoreConfig config(Path folder) {
    return new StoreConfig(folder.resolve("requests.log"), Map.of());
  }

  @Override
  protected long maxRecordBytes() {
    return MAX_RECORD_BYTES;
  }
}
