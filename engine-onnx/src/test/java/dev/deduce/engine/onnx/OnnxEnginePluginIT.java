package dev.deduce.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.engine.EngineContract;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.perf.plugin.PluginZip;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.spi.InferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ONNX engine loaded from its plugin zip by the plugin host, held to the engine contract. Neither this module's
 * classes nor ONNX Runtime are on this test's classpath: they come from the zip or not at all.
 */
class OnnxEnginePluginIT extends EngineContract {

  @RegisterExtension
  static final PluginZip plugin = new PluginZip();

  @Override
  protected InferenceEngine engine() {
    return plugin.engine("onnx");
  }

  @Override
  protected ModelWriter writer() {
    return new OnnxWriter();
  }

  @Test
  void zipBundlesOnnxRuntimeAndNothingTheHostProvides() {
    assertThat(plugin.libraries()).singleElement().asString().matches("onnxruntime-[0-9.]+\\.jar");
  }

  @Test
  void zipDeclaresTheEngineOnnxPluginAsNativeAndTheHostPinsIt() {
    assertThat(plugin.info().id()).isEqualTo("engine-onnx");
    assertThat(plugin.info().engines()).containsExactly("onnx");
    assertThat(plugin.info().pinned()).isTrue();
    assertThatThrownBy(() -> plugin.host().reload("engine-onnx"))
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("Plugin-Native: true");
  }
}
