package dev.deduce.store.cozo;

import dev.deduce.perf.store.StoreContract;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;

/** The Cozo store on the Chicory runner, loaded from the classpath, held to the store contract. */
class CozoStoreContractOnChicoryTest extends StoreContract {

  @Override
  protected StoreProvider provider() {
    return new CozoStoreProvider();
  }

  @Override
  protected StoreConfig config(Path folder) {
    return ContractConfig.config(folder, "chicory");
  }

  @Override
  protected long maxRecordBytes() {
    return ContractConfig.MAX_RECORD_BYTES;
  }
}
