package dev.deduce.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.plugin.PluginZip;
import dev.deduce.perf.store.StoreContract;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.deduce.spi.Store;

/**
 * The SQLite store loaded from its plugin zip by the plugin host, held to the store contract. Neither this module's
 * classes nor sqlite-jdbc are on this test's classpath: they come from the zip or not at all.
 */
class SqliteStorePluginIT extends StoreContract {

  @RegisterExtension
  static final PluginZip plugin = new PluginZip();

  @Override
  protected StoreProvider provider() {
    return plugin.store("sqlite");
  }

  @Override
  protected StoreConfig config(Path folder) {
    return ContractConfig.config(folder);
  }

  @Override
  protected long maxRecordBytes() {
    return ContractConfig.MAX_RECORD_BYTES;
  }

  @Test
  void zipBundlesSqliteJdbcAndNothingTheHostProvides() {
    assertThat(plugin.libraries()).singleElement().asString().matches("sqlite-jdbc-[0-9.]+\\.jar");
  }

  @Test
  void zipDeclaresTheStoreSqlitePluginAsNativeAndTheHostPinsIt() {
    assertThat(plugin.info().id()).isEqualTo("store-sqlite");
    assertThat(plugin.info().stores()).containsExactly("sqlite");
    assertThat(plugin.info().engines()).isEmpty();
    // a store alone would not pin its plugin; Plugin-Native: true from the pom does
    assertThat(plugin.info().pinned()).isTrue();
    assertThatThrownBy(() -> plugin.host().unload("store-sqlite"))
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("Plugin-Native: true");
  }

  @Test
  void theNativeQueryLanguageWorksThroughThePlugin() {
    store().append(List.of(Records.request("q1")));
    assertThat(query(store(), "SELECT request_id FROM deduce_requests WHERE request_id = :id", Map.of("id", "q1")))
        .containsExactly(Map.of("request_id", "q1"));
  }

  /** The store's native query language, which this store always offers. */
  private static List<Map<String, Object>> query(Store s, String text, Map<String, Object> params) {
    return s.nativeQuery().orElseThrow().query(text, params);
  }
}
