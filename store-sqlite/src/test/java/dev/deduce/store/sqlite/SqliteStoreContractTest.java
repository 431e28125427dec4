package dev.deduce.store.sqlite;

import dev.deduce.perf.store.StoreContract;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;

/** The SQLite store, loaded from the classpath, held to the store contract. */
class SqliteStoreContractTest extends StoreContract {

  @Override
  protected StoreProvider provider() {
    return new SqliteStoreProvider();
  }

  @Override
  protected StoreConfig config(Path folder) {
    return ContractConfig.config(folder);
  }

  @Override
  protected long maxRecordBytes() {
    return ContractConfig.MAX_RECORD_BYTES;
  }
}
