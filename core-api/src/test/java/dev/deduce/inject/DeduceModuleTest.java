package dev.deduce.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.deduce.api.DataType;
import dev.deduce.api.InferenceService;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.plugin.PluginHost;
import dev.deduce.plugin.PluginJars;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.repository.Health;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeduceModuleTest {

  @TempDir
  Path tmp;

  private Path models() throws Exception {
    Path v1 = Files.createDirectories(tmp.resolve("models").resolve("relu").resolve("1"));
    ReferenceGraph.builder("relu").input("x", DataType.FLOAT32, -1, 3).op(ReferenceGraph.Op.RELU, "y", "x")
        .output("y").build().write(v1.resolve("relu.dgraph"));
    Files.writeString(v1.resolve("model.conf"), "engine = reference\nfile = relu.dgraph\n");
    return tmp.resolve("models");
  }

  @Test
  void injectorServesTheRepositoryModelsThroughInferenceService() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.repository.dir", models().toString()));
    Injector injector = Guice.createInjector(new DeduceModule(settings, registry));
    DeduceLifecycle lifecycle = injector.getInstance(DeduceLifecycle.class);
    try {
      InferenceService service = injector.getInstance(InferenceService.class);
      NamedTensors in = NamedTensors.of("x", Tensor.ofFloats(new float[] {-1f, 0f, 2f}, 1, 3));
      assertThat(service.infer("relu", in).output("y").toFloatArray()).containsExactly(0f, 0f, 2f);
      assertThat(service).isSameAs(injector.getInstance(DeduceRuntime.class));
      assertThat(injector.getInstance(ModelRepository.class).models()).containsExactly("relu");
      assertThat(injector.getInstance(PluginHost.class).engine(ReferenceEngine.ID)).isPresent();
      assertThat(injector.getInstance(MeterRegistry.class)).isSameAs(registry);
      assertThat(injector.getInstance(RuntimeSettings.class).modelsDir()).contains(models());
      assertThat(lifecycle.health()).isEqualTo(new Health(true, true, List.of()));
    } finally {
      lifecycle.close();
    }
    Health closed = lifecycle.health();
    assertThat(closed.live()).isFalse();
    assertThat(closed.reasons()).contains("the runtime is closed, and with it the store");
  }

  @Test
  void pluginEnginesFromTheFolderGetTheirInjectedSettingsAndServeRepositoryModels() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    PluginJars.plugin("metered").classes("injected")
        .text(PluginJars.ENGINE_SERVICES, "dev.deduce.plugin.fixture.injected.MeteredEngine\n")
        .jar(plugins, "metered.jar");
    Path models = models();
    Files.writeString(models.resolve("relu").resolve("1").resolve("model.conf"),
        "engine = metered-graph\nfile = relu.dgraph\n");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // the plugin's engine takes its id from the injected plugin setting, so the id proves the injection
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.repository.dir", models.toString(),
        "deduce.plugins.dir", plugins.toString(), "deduce.plugins.settings.fixture.engine-id", "metered-graph"));
    Injector injector = Guice.createInjector(new DeduceModule(settings, registry));
    try (DeduceLifecycle lifecycle = injector.getInstance(DeduceLifecycle.class)) {
      assertThat(injector.getInstance(PluginHost.class).problems()).isEmpty();
      NamedTensors in = NamedTensors.of("x", Tensor.ofFloats(new float[] {-1f, 5f, 2f}, 1, 3));
      assertThat(injector.getInstance(InferenceService.class).infer("relu", in).output("y").toFloatArray())
          .containsExactly(0f, 5f, 2f);
      assertThat(registry.counter("fixture.loads", "engine", "metered-graph").count()).isEqualTo(1.0);
      assertThat(lifecycle.health().ready()).isTrue();
    }
  }

  @Test
  void storeFromAPluginRecordsResultsWhenDurabilityAsksForIt() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    PluginJars.plugin("memory-store").classes("store")
        .text(PluginJars.STORE_SERVICES, "dev.deduce.plugin.fixture.store.MemoryStoreProvider\n")
        .jar(plugins, "memory-store.jar");
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.repository.dir", models().toString(),
        "deduce.plugins.dir", plugins.toString(), "deduce.durability", "RESULTS", "deduce.store.id", "memory",
        "deduce.store.location", tmp.resolve("db").toString()));
    Injector injector = Guice.createInjector(new DeduceModule(settings, new SimpleMeterRegistry()));
    try (DeduceLifecycle lifecycle = injector.getInstance(DeduceLifecycle.class)) {
      DeduceRuntime runtime = injector.getInstance(DeduceRuntime.class);
      assertThat(runtime.durability()).isEqualTo(dev.deduce.runtime.Durability.RESULTS);
      NamedTensors in = NamedTensors.of("x", Tensor.ofFloats(new float[] {3f, -3f, 1f}, 1, 3));
      assertThat(runtime.infer("relu", null, in, dev.deduce.api.RequestOptions.builder().idempotencyKey("k1")
          .build()).output("y").toFloatArray()).containsExactly(3f, 0f, 1f);
      assertThat(lifecycle.health().ready()).isTrue();
    }
  }

  @Test
  void durabilityWithoutAStoreFailsStartNamingTheKeys() {
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.durability", "RESULTS"));
    assertThatThrownBy(() -> Guice.createInjector(new DeduceModule(settings, new SimpleMeterRegistry())))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("deduce.durability is RESULTS but deduce.store.id is empty");
  }

  @Test
  void unknownStoreIdFailsStartListingTheKnownOnes() {
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.store.id", "cozo",
        "deduce.store.location", tmp.resolve("db").toString()));
    assertThatThrownBy(() -> Guice.createInjector(new DeduceModule(settings, new SimpleMeterRegistry())))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("deduce.store.id is 'cozo', which no plugin or classpath provider offers");
  }

  @Test
  void withoutAModelsFolderTheRuntimeRunsAndTheRepositoryIsRefusedClearly() {
    Injector injector = Guice.createInjector(new DeduceModule(RuntimeSettings.defaults(), new SimpleMeterRegistry()));
    try (DeduceLifecycle lifecycle = injector.getInstance(DeduceLifecycle.class)) {
      assertThat(lifecycle.health().ready()).isTrue();
      assertThatThrownBy(() -> injector.getInstance(ModelRepository.class)).isInstanceOf(ProvisionException.class)
          .hasMessageContaining("deduce.repository.dir is not set");
    }
  }
}
