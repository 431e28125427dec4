package dev.deduce.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.name.Names;
import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.plugin.PluginHost;
import dev.deduce.plugin.PluginJars;
import dev.deduce.plugin.PluginProblem;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuiceExtensionCreatorTest {

  @TempDir
  Path tmp;

  private Path meteredPlugin() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    PluginJars.plugin("metered").classes("injected")
        .text(PluginJars.ENGINE_SERVICES, "dev.deduce.plugin.fixture.injected.MeteredEngine\n")
        .jar(plugins, "metered.jar");
    return plugins;
  }

  @Test
  void pluginEngineGetsTheHostsPluginSettingAndMeterRegistryInjected() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Injector injector = Guice.createInjector(new AbstractModule() {
      @Override
      protected void configure() {
        bind(MeterRegistry.class).toInstance(registry);
        Names.bindProperties(binder(), Map.of("fixture.engine-id", "metered-graph"));
      }
    });
    Path plugins = meteredPlugin();
    ReferenceGraph graph = ReferenceGraph.builder("relu").input("x", DataType.FLOAT32, -1, 3)
        .op(ReferenceGraph.Op.RELU, "y", "x").output("y").build();
    Path file = tmp.resolve("relu.dgraph");
    graph.write(file);

    try (PluginHost host = PluginHost.builder().pluginsDir(plugins).meterRegistry(registry)
        .extensionCreator(new GuiceExtensionCreator(injector)).start()) {
      assertThat(host.problems()).isEmpty();
      InferenceEngine engine = host.engine("metered-graph").orElseThrow();
      NamedTensors in = NamedTensors.of("x", Tensor.ofFloats(new float[] {-1f, 0f, 2f}, 1, 3));
      try (LoadedModel model = engine.load(ModelSource.of("relu", "1", file, ReferenceEngine.FORMAT))) {
        assertThat(model.run(in).get("y").toFloatArray()).containsExactly(0f, 0f, 2f);
      }
      assertThat(registry.counter("fixture.loads", "engine", "metered-graph").count()).isEqualTo(1.0);
    }
  }

  @Test
  void missingBindingDisablesThePluginNamingTheKeyAndTheHostRuns() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Injector injector = Guice.createInjector(new AbstractModule() {
      @Override
      protected void configure() {
        bind(MeterRegistry.class).toInstance(registry);
      }
    });

    try (PluginHost host = PluginHost.builder().pluginsDir(meteredPlugin()).meterRegistry(registry)
        .extensionCreator(new GuiceExtensionCreator(injector)).start()) {
      assertThat(host.problems()).singleElement().satisfies(p -> {
        assertThat(p.reason()).isEqualTo(PluginProblem.Reason.EXTENSION_FAILED);
        assertThat(p.message()).contains("MeteredEngine").contains("fixture.engine-id")
            .contains("does not bind");
      });
      assertThat(host.plugins()).isEmpty();
      assertThat(host.engine(ReferenceEngine.ID)).isPresent();
    }
  }
}
