package dev.deduce.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelLoadException;
import dev.deduce.perf.engine.EngineContract;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.plugin.PluginUnderTest;
import dev.deduce.perf.plugin.PluginZip;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DJL engine loaded from its plugin zip by the plugin host, held to the engine contract on the TorchScript
 * fixtures. Neither this module's classes nor DJL are on this test's class path: they come from the zip or not at
 * all. This JVM is failsafe's own, so PyTorch loads here once, in the plugin's class loader.
 */
class DjlEnginePluginIT extends EngineContract {

  @RegisterExtension
  static final PluginZip plugin = new PluginZip();

  @Override
  protected InferenceEngine engine() {
    return plugin.engine("djl");
  }

  @Override
  protected ModelWriter writer() {
    return new TorchScriptFixtures();
  }

  @Override
  protected Set<DataType> dtypes() {
    return EnumSet.complementOf(EnumSet.of(DataType.STRING));
  }

  @Override
  protected int loadCloseCycles() {
    return 200;
  }

  @Test
  void zipBundlesDjlAndPyTorchAndNothingTheHostProvides() {
    assertThat(plugin.libraries()).anyMatch(l -> l.matches("api-0\\.36\\.0\\.jar"))
        .anyMatch(l -> l.matches("pytorch-engine-0\\.36\\.0\\.jar"))
        .anyMatch(l -> l.matches("pytorch-jni-2\\.7\\.1-0\\.36\\.0\\.jar"))
        .anyMatch(l -> l.matches("pytorch-native-cpu-2\\.7\\.1-linux-x86_64\\.jar"))
        .noneMatch(l -> l.startsWith("slf4j") || l.startsWith("deduce-"));
  }

  @Test
  void zipDeclaresTheEngineDjlPluginAsNativeAndTheHostPinsIt() {
    assertThat(plugin.info().id()).isEqualTo("engine-djl");
    assertThat(plugin.info().engines()).containsExactly("djl");
    assertThat(plugin.info().pinned()).isTrue();
    assertThatThrownBy(() -> plugin.host().reload("engine-djl"))
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("Plugin-Native: true");
  }

  @Test
  void pluginSwitchesDjlOfflineItself() throws Exception {
    // failsafe sets neither: the plugin does, before DJL starts
    Path file = write(ModelKit.identity());
    engine().load(ModelSource.of("identity", "1", file, "torchscript")).close();
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
  }

  @Test
  void secondCopyOfThePluginInAnotherHostGetsAClearErrorNotACrash(@TempDir Path otherPlugins) throws Exception {
    Path file = write(ModelKit.identity());
    engine().load(ModelSource.of("identity", "1", file, "torchscript")).close();
    try (PluginUnderTest second = PluginUnderTest.start(otherPlugins)) {
      InferenceEngine other = second.engine("djl");
      assertThatThrownBy(() -> other.load(ModelSource.of("identity", "1", file, "torchscript")))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("already loaded in this JVM by another class loader")
          .hasMessageContaining("one engine-djl per JVM");
    }
    // the first copy still serves
    engine().load(ModelSource.of("identity", "1", file, "torchscript")).close();
    assertThat(Files.exists(file)).isTrue();
  }
}
