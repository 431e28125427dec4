package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleTest {

  @TempDir
  Path dir;

  /** The reference engine declaring its models single-threaded, as some native engines do; counts loads. */
  static final class SingleThreadedEngine implements InferenceEngine {
    final AtomicInteger loads = new AtomicInteger();
    private final boolean threadSafe;

    SingleThreadedEngine(boolean threadSafe) {
      this.threadSafe = threadSafe;
    }

    @Override
    public String id() {
      return "counting-reference";
    }

    @Override
    public Set<String> formats() {
      return Set.of(ReferenceEngine.FORMAT);
    }

    @Override
    public boolean threadSafeModels() {
      return threadSafe;
    }

    @Override
    public LoadedModel load(ModelSource source) {
      loads.incrementAndGet();
      return new ReferenceEngine().load(source);
    }
  }

  @Test
  void hotSwapUnderLoadNeverFailsARequest() throws Exception {
    TestModel v1 = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      // callers wait for queue room rather than fail: this test is about the swap, not overload
      ModelSettings s = Fixtures.settings().queueCapacity(256).queueMaxWait(java.time.Duration.ofSeconds(10)).build();
      rt.deploy(MODEL, "1", v1, s);
      AtomicBoolean stop = new AtomicBoolean();
      List<CompletableFuture<InferenceResult>> all = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread th = new Thread(() -> {
          int i = 0;
          while (!stop.get()) {
            all.add(rt.submit(MODEL, rows(1, i++, 4)));
            Thread.onSpinWait();
          }
        });
        th.start();
        callers.add(th);
      }
      Fixtures.eventually(() -> all.size() > 500, "load running on v1");
      rt.deploy(MODEL, "2", Fixtures.doublerModel(), s);
      CompletableFuture<Void> retired = rt.retire(MODEL, "1");
      int atSwap = all.size();
      Fixtures.eventually(() -> all.size() > atSwap + 500, "load running on v2");
      stop.set(true);
      for (Thread th : callers) {
        th.join();
      }
      retired.get(10, TimeUnit.SECONDS);
      assertThat(v1.closed.get()).isTrue();
      java.util.Set<String> versions = new java.util.HashSet<>();
      for (CompletableFuture<InferenceResult> f : all) {
        InferenceResult r = f.get(10, TimeUnit.SECONDS);
        versions.add(r.version());
      }
      assertThat(versions).containsExactlyInAnyOrder("1", "2");
      assertThat(rt.versions(MODEL)).containsExactly("2");
    }
  }

  @Test
  void retireLetsInFlightRequestsFinishThenClosesTheModel() throws Exception {
    TestModel v1 = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", v1, Fixtures.settings().batchingEnabled(false).build());
      CompletableFuture<InferenceResult> running = rt.submit(MODEL, rows(1, 0, 4));
      v1.awaitHeld();
      CompletableFuture<InferenceResult> queued = rt.submit(MODEL, rows(1, 1, 4));
      rt.deploy(MODEL, "2", Fixtures.doublerModel(), Fixtures.settings().build());
      CompletableFuture<Void> retired = rt.retire(MODEL, "1");

      assertThat(rt.infer(MODEL, rows(1, 2, 4)).version()).isEqualTo("2");
      assertThatThrownBy(() -> rt.infer(MODEL, "1", rows(1, 2, 4), RequestOptions.defaults()))
          .isInstanceOf(ModelNotFoundException.class).hasMessageContaining("has no version '1'; expected one of [2]");
      assertThat(retired).isNotDone();
      assertThat(v1.closed.get()).isFalse();

      v1.release();
      assertThat(running.get(10, TimeUnit.SECONDS).version()).isEqualTo("1");
      assertThat(queued.get(10, TimeUnit.SECONDS).version()).isEqualTo("1");
      retired.get(10, TimeUnit.SECONDS);
      assertThat(v1.closed.get()).isTrue();
    }
  }

  @Test
  void versionsRouteExplicitlyAndTheDefaultSwitchesOnDeployAndOnRequest() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy(MODEL, "2", Fixtures.doublerModel(), Fixtures.settings().build());
      assertThat(rt.versions(MODEL)).containsExactly("1", "2");
      assertThat(rt.defaultVersion(MODEL)).contains("2");
      assertThat(rt.infer(MODEL, rows(1, 0, 4)).version()).isEqualTo("2");
      assertThat(rt.infer(MODEL, "1", rows(1, 0, 4), RequestOptions.defaults()).version()).isEqualTo("1");
      rt.setDefaultVersion(MODEL, "1");
      assertThat(rt.infer(MODEL, rows(1, 0, 4)).version()).isEqualTo("1");
      assertThat(rt.signature(MODEL, null)).isEqualTo(Fixtures.doubler().signature());

      assertThatThrownBy(() -> rt.setDefaultVersion(MODEL, "9")).isInstanceOf(ModelNotFoundException.class);
      assertThatThrownBy(() -> rt.infer("absent", rows(1, 0, 4))).isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("model 'absent' is not deployed; expected one of [doubler]");
      assertThatThrownBy(() -> rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build()))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already deployed");
    }
  }

  @Test
  void warmUpFailureKeepsTheOldVersionServingAndClosesTheNewOne() {
    TestModel broken = new TestModel(Fixtures.doublerModel())
        .failing(n -> new EngineException("missing kernel"));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().warmUp(List.of(rows(1, 0, 4))).build());
      assertThatThrownBy(() -> rt.deploy(MODEL, "2", broken,
          Fixtures.settings().warmUp(List.of(rows(1, 0, 4))).build()))
          .isInstanceOf(EngineException.class).hasMessageContaining("warm-up input 0 of model 'doubler' version '2'")
          .hasMessageContaining("missing kernel");
      assertThat(broken.closed.get()).isTrue();
      assertThat(rt.versions(MODEL)).containsExactly("1");
      assertThat(rt.infer(MODEL, rows(1, 3, 4)).version()).isEqualTo("1");
    }
  }

  @Test
  void modelSourceDeployLoadsOneCopyPerInstanceOnlyForSingleThreadedEngines() throws Exception {
    Path file = dir.resolve("doubler.dgraph");
    Fixtures.doubler().write(file);
    ModelSource source = ModelSource.of(MODEL, "1", file, ReferenceEngine.FORMAT);
    SingleThreadedEngine single = new SingleThreadedEngine(false);
    try (DeduceRuntime rt = Fixtures.runtime().engine(single).build()) {
      rt.deploy(MODEL, "1", source, Fixtures.settings().instances(3).build());
      assertThat(single.loads.get()).isEqualTo(3);
      assertThat(rt.infer(MODEL, rows(2, 1, 4)).output("y").toFloatArray()).containsExactly(doubled(2, 1, 4));
    }
    SingleThreadedEngine shared = new SingleThreadedEngine(true);
    try (DeduceRuntime rt = Fixtures.runtime().engine(shared).build()) {
      rt.deploy(MODEL, "1", source, Fixtures.settings().instances(3).build());
      assertThat(shared.loads.get()).isEqualTo(1);
      ModelSource onnx = ModelSource.of(MODEL, "2", dir.resolve("m.onnx"), "onnx");
      assertThatThrownBy(() -> rt.deploy(MODEL, "2", onnx, Fixtures.settings().build()))
          .isInstanceOf(ModelLoadException.class).hasMessageContaining("m.onnx")
          .hasMessageContaining("no engine loads format 'onnx'; expected one of [deduce-graph]");
    }
  }

  @Test
  void closeDrainsInFlightWorkThenClosesModelsAndRejectsNewWork() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    DeduceRuntime rt = Fixtures.runtime().build();
    rt.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).build());
    List<CompletableFuture<InferenceResult>> work = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      work.add(rt.submit(MODEL, rows(1, i, 4)));
    }
    model.awaitHeld();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(rt::close);
    Thread.sleep(100);
    assertThat(closing).isNotDone();
    assertThat(rt.submit(MODEL, rows(1, 9, 4))).failsWithin(java.time.Duration.ofSeconds(1))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(OverloadedException.class);
    model.release();
    closing.get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      assertThat(work.get(i)).isCompleted();
      assertThat(work.get(i).get().output("y").toFloatArray()).containsExactly(doubled(1, i, 4));
    }
    assertThat(model.closed.get()).isTrue();
  }

  @Test
  void metricsReportOutcomesLatencyPercentilesBatchSizeAndQueueDepth() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      for (int i = 0; i < 5; i++) {
        rt.infer(MODEL, rows(1, i, 4));
      }
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 2)));
      assertThat(registry.get("deduce.requests").tags("model", MODEL, "version", "1", "outcome", "done").counter()
          .count()).isEqualTo(5);
      assertThat(registry.get("deduce.requests").tags("outcome", "invalid_input").counter().count()).isEqualTo(1);
      var request = registry.get("deduce.request").tags("model", MODEL, "version", "1").timer();
      assertThat(request.count()).isEqualTo(5);
      assertThat(request.takeSnapshot().percentileValues()).extracting(v -> v.percentile())
          .containsExactly(0.5, 0.95, 0.99);
      assertThat(registry.get("deduce.queue").timer().count()).isEqualTo(5);
      assertThat(registry.get("deduce.compute").timer().count()).isEqualTo(5);
      assertThat(registry.get("deduce.batch.size").summary().totalAmount()).isEqualTo(5);
      assertThat(registry.get("deduce.queue.depth").tag("model", MODEL).gauge().value()).isZero();
      assertThat(registry.get("deduce.circuit.state").gauge().value()).isZero();
    }
  }
}
