package dev.deduce.engine.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.engine.EngineContract;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.plugin.PluginZip;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.spi.InferenceEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The TensorFlow engine loaded from its plugin zip by the plugin host, held to the engine contract. Neither this
 * module's main classes nor TensorFlow Java are on this test's classpath: the engine comes from the zip. The writer
 * is the one test-side user of TensorFlow, so the test classpath gets TF Java through the failsafe configuration's
 * additional entries, in the application class loader, a sibling of the plugin's (DESIGN: JavaCPP reuses the runtime
 * loaded first).
 */
class TensorFlowEnginePluginIT extends EngineContract {

  @RegisterExtension
  static final PluginZip plugin = new PluginZip();

  @Override
  protected InferenceEngine engine() {
    return plugin.engine("tensorflow");
  }

  @Override
  protected ModelWriter writer() {
    return new SavedModelWriter();
  }

  @Override
  protected int loadCloseCycles() {
    return 200;
  }

  @Test
  void zipBundlesTensorFlowAndNothingTheHostProvides() {
    assertThat(plugin.libraries()).anyMatch(n -> n.matches("tensorflow-core-api-[0-9.]+\\.jar"))
        .anyMatch(n -> n.matches("tensorflow-core-native-[0-9.]+-linux-x86_64\\.jar"))
        .noneMatch(n -> n.startsWith("deduce-core-api") || n.startsWith("slf4j"));
  }

  @Test
  void zipDeclaresTheEngineTfPluginAsNativeAndTheHostPinsIt() {
    assertThat(plugin.info().id()).isEqualTo("engine-tf");
    assertThat(plugin.info().engines()).containsExactly("tensorflow");
    assertThat(plugin.info().pinned()).isTrue();
    assertThatThrownBy(() -> plugin.host().reload("engine-tf"))
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("Plugin-Native: true");
  }
}
