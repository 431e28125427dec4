package dev.deduce.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.Tensor;
import dev.deduce.plugin.PluginHost;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.MemoryStore;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeduceHostTest {

  @TempDir
  Path tmp;

  private Path models() throws Exception {
    Path v1 = Files.createDirectories(tmp.resolve("models").resolve("relu").resolve("1"));
    ReferenceGraph.builder("relu").input("x", DataType.FLOAT32, -1, 3).op(ReferenceGraph.Op.RELU, "y", "x")
        .output("y").build().write(v1.resolve("relu.dgraph"));
    Files.writeString(v1.resolve("model.conf"), "engine = reference\nfile = relu.dgraph\n");
    return tmp.resolve("models");
  }

  private static NamedTensors row(float a, float b, float c) {
    return NamedTensors.of("x", Tensor.ofFloats(new float[] {a, b, c}, 1, 3));
  }

  @Test
  void startsPluginsStoreRuntimeAndRepositoryInOrderAndServesTheRepository() throws Exception {
    MemoryStore store = new MemoryStore();
    try (DeduceHost host = DeduceHost.builder().settings(RuntimeSettings.defaults()).modelsDir(models())
        .store(store).durability(Durability.DURABLE).start()) {
      assertThat(host.startup()).extracting(DeduceHost.Stage::name)
          .containsExactly("plugins", "store", "runtime", "repository");
      DeduceRuntime runtime = host.runtime();
      assertThat(runtime.durability()).isEqualTo(Durability.DURABLE);
      var r = runtime.infer("relu", null, row(-1f, 2f, 0f), RequestOptions.builder().idempotencyKey("a").build());
      assertThat(r.output("y").toFloatArray()).containsExactly(0f, 2f, 0f);
      assertThat(host.store()).containsSame(store);
      assertThat(host.repository().orElseThrow().models()).containsExactly("relu");
      assertThat(host.health().ready()).isTrue();
    }
  }

  @Test
  void closeLetsEveryAcceptedRequestFinishAndIsIdempotent() throws Exception {
    DeduceHost host = DeduceHost.builder().settings(RuntimeSettings.defaults()).modelsDir(models())
        .store(new MemoryStore()).durability(Durability.RESULTS).start();
    var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<dev.deduce.api.InferenceResult>>();
    for (int i = 0; i < 50; i++) {
      futures.add(host.runtime().submit("relu", null, row(i, -i, 1f), RequestOptions.defaults()));
    }
    host.close();
    for (int i = 0; i < 50; i++) {
      assertThat(futures.get(i).join().output("y").toFloatArray()).containsExactly(i, 0f, 1f);
    }
    assertThat(host.runtime().isClosed()).isTrue();
    assertThat(host.health().live()).isFalse();
    host.close();
  }

  @Test
  void durabilityWithoutAStoreFailsNamingTheKeysAndLeavesNothingRunning() {
    PluginHost plugins = PluginHost.builder().start();
    assertThatThrownBy(() -> DeduceHost.builder().settings(RuntimeSettings.defaults()).plugins(plugins)
        .durability(Durability.DURABLE).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("deduce.durability is DURABLE but deduce.store.id is empty");
    assertThatThrownBy(() -> plugins.reload("any")).hasMessageContaining("the plugin host is closed");
  }

  @Test
  void unknownStoreIdFailsListingTheStoresOnOffer() {
    assertThatThrownBy(() -> DeduceHost.builder().settings(RuntimeSettings.defaults())
        .store("nosuch", tmp.resolve("db"), Map.of()).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("deduce.store.id is 'nosuch', which no plugin or classpath provider offers");
  }

  @Test
  void enginesPrepareOnABackgroundThreadAndAFailedPrepareDoesNotStopTheHost() throws Exception {
    CountDownLatch prepared = new CountDownLatch(2);
    List<String> threads = new CopyOnWriteArrayList<>();
    try (DeduceHost host = DeduceHost.builder().settings(RuntimeSettings.defaults()).modelsDir(models())
        .engines(List.of(new PreparingEngine("good", threads, prepared, false),
            new PreparingEngine("bad", threads, prepared, true))).start()) {
      assertThat(prepared.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(threads).containsExactlyInAnyOrder("deduce-prepare-good", "deduce-prepare-bad");
      var r = host.runtime().infer("relu", null, row(-1f, 2f, 0f), RequestOptions.defaults());
      assertThat(r.output("y").toFloatArray()).containsExactly(0f, 2f, 0f);
      assertThat(host.health().ready()).isTrue();
    }
  }

  /** Records which thread prepared it; loads nothing (the models here are the reference engine's). */
  private record PreparingEngine(String id, List<String> threads, CountDownLatch prepared, boolean fails)
      implements InferenceEngine {
    @Override
    public Set<String> formats() {
      return Set.of(id);
    }

    @Override
    public boolean threadSafeModels() {
      return true;
    }

    @Override
    public LoadedModel load(ModelSource source) {
      throw new ModelLoadException(source.path(), "this test engine loads nothing");
    }

    @Override
    public void prepare() {
      threads.add(Thread.currentThread().getName());
      prepared.countDown();
      if (fails) {
        throw new IllegalStateException("native library missing");
      }
    }
  }

  @Test
  void withoutAModelsFolderTheHostServesWhatTheAppDeploys() {
    try (DeduceHost host = DeduceHost.builder().settings(RuntimeSettings.defaults()).start()) {
      assertThat(host.repository()).isEmpty();
      assertThat(host.store()).isEmpty();
      assertThat(host.health().ready()).isTrue();
      assertThat(host.health().reasons()).isEqualTo(List.of());
    }
  }
}
