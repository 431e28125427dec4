package dev.deduce.store.cozo;

import dev.deduce.perf.plugin.PluginZip;
import dev.deduce.perf.store.StoreContract;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Cozo store on the Chicory runner, loaded from its plugin zip by the plugin host, held to the store contract. */
class CozoStoreOnChicoryPluginIT extends StoreContract {

  @RegisterExtension
  static final PluginZip plugin = new PluginZip();

  @Override
  protected StoreProvider provider() {
    return plugin.store("cozo");
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
