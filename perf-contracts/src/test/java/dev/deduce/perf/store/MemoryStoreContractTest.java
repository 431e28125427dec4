package dev.deduce.perf.store;

import dev.deduce.runtime.MemoryStore;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Holds the core's own {@link MemoryStore} to the store contract. It lives here rather than in core-api because the
 * contract suite depends on core-api. Its "location" names a store in this provider: opening one again reopens its
 * data, as opening a file again would.
 */
class MemoryStoreContractTest extends StoreContract {

  private final Map<Path, MemoryStore> opened = new HashMap<>();

  @Override
  protected StoreProvider provider() {
    return new StoreProvider() {
      @Override
      public String id() {
        return "memory";
      }

      @Override
      public Store open(StoreConfig config) {
        MemoryStore store = opened.containsKey(config.location()) ? opened.get(config.location()).reopen()
            : new MemoryStore();
        opened.put(config.location(), store);
        return store;
      }
    };
  }

  @Override
  protected StoreConfig config(Path folder) {
    return new StoreConfig(folder.resolve("memory"), Map.of());
  }

  @Override
  protected long maxRecordBytes() {
    return MemoryStore.DEFAULT_MAX_RECORD_BYTES;
  }
}
