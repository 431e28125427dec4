package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.perf.plugin.PluginZip;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.perf.store.StoreContract;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.deduce.spi.Store;

/**
 * The Cozo store on the wasmtime runner, loaded from its plugin zip by the plugin host, held to the store contract.
 * Neither this module's classes (the compiled engine among them) nor Chicory, wasmtime-java and Jackson are on this
 * test's classpath: they come from the zip or not at all. Store option {@code runner=wasmtime} never falls back to
 * Chicory (it fails the open instead), so every contract test passing here is wasmtime's native library loaded and
 * running inside the plugin's class loader. The only test in its JVM that loads that library, which a JVM loads into
 * one class loader only.
 */
class CozoStorePluginIT extends StoreContract {

  @RegisterExtension
  static final PluginZip plugin = new PluginZip();

  @Override
  protected StoreProvider provider() {
    return plugin.store("cozo");
  }

  @Override
  protected StoreConfig config(Path folder) {
    return ContractConfig.config(folder, "wasmtime");
  }

  @Override
  protected long maxRecordBytes() {
    return ContractConfig.MAX_RECORD_BYTES;
  }

  @Test
  void zipBundlesChicoryWasmtimeAndJacksonAndNothingTheHostProvides() {
    assertThat(plugin.libraries())
        .allMatch(jar -> jar.matches("(runtime|wasm|wasmtime-java|jackson-[a-z]+)-[0-9.]+\\.jar"))
        .anyMatch(jar -> jar.startsWith("runtime-")).anyMatch(jar -> jar.startsWith("wasm-"))
        .anyMatch(jar -> jar.startsWith("wasmtime-java-")).anyMatch(jar -> jar.startsWith("jackson-databind-"))
        .noneMatch(jar -> jar.startsWith("slf4j"));
  }

  @Test
  void zipDeclaresANativePluginTheHostNeverUnloads() {
    assertThat(plugin.info().id()).isEqualTo("store-cozo");
    assertThat(plugin.info().stores()).containsExactly("cozo");
    assertThat(plugin.info().engines()).isEmpty();
    assertThat(plugin.info().pinned()).isTrue();
    assertThatThrownBy(() -> plugin.host().reload("store-cozo")).isInstanceOf(PluginHostException.class)
        .hasMessageContaining("Plugin-Native: true");
  }

  @Test
  void datalogWorksThroughThePlugin() {
    store().append(List.of(new RequestRecord("q1", "m", "1", NamedTensors.of("x", Tensor.scalar(1f)),
        Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:01:00Z"), null)));
    assertThat(query(store(), "?[id, status] := *deduce_request{id, status}, id == $id", Map.of("id", "q1")))
        .containsExactly(Map.of("id", "q1", "status", "PENDING"));
  }

  /** The store's native query language, which this store always offers. */
  private static List<Map<String, Object>> query(Store s, String text, Map<String, Object> params) {
    return s.nativeQuery().orElseThrow().query(text, params);
  }
}
