package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.repository.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FallbackTest {

  private static final String BIG = "big";
  private static final String SMALL = "small";

  private static ModelSettings.Builder fallingBackToSmall() {
    return Fixtures.settings().batchingEnabled(false).fallback(SMALL, null);
  }

  private static double fallbacks(SimpleMeterRegistry registry, String reason) {
    var c = registry.find(MetricNames.FALLBACKS).tag("model", BIG).tag("fallback", SMALL).tag("reason", reason)
        .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void anOpenBreakerSendsRequestsToTheFallbackAndTheResultNamesIt() {
    TestModel big = new TestModel(Fixtures.doublerModel()).failing(n -> new EngineException("big model crashed"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(SMALL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy(BIG, "1", big, fallingBackToSmall().retryMaxAttempts(1).breakerMinimumCalls(2)
          .breakerSlidingWindowSize(2).breakerOpenWait(Duration.ofMinutes(5)).build());
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> rt.infer(BIG, rows(1, 0, 4))).isInstanceOf(EngineException.class);
      }
      InferenceResult r = rt.infer(BIG, rows(1, 3, 4));
      assertThat(r.model()).isEqualTo(SMALL);
      assertThat(r.version()).isEqualTo("1");
      assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, 3, 4));
      assertThat(big.calls.get()).isEqualTo(2);
      assertThat(fallbacks(registry, "circuit_open")).isEqualTo(1.0);
    }
  }

  @Test
  void aFullQueueSendsTheRequestToTheFallback() throws Exception {
    TestModel big = new TestModel(Fixtures.doublerModel()).holdCall(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(SMALL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy(BIG, "1", big, fallingBackToSmall().queueCapacity(1).build());
      CompletableFuture<InferenceResult> running = rt.submit(BIG, rows(1, 0, 4));
      big.awaitHeld();
      CompletableFuture<InferenceResult> queued = rt.submit(BIG, rows(1, 1, 4));
      InferenceResult overflow = rt.submit(BIG, rows(1, 2, 4)).get(10, TimeUnit.SECONDS);
      assertThat(overflow.model()).isEqualTo(SMALL);
      assertThat(overflow.output("y").toFloatArray()).containsExactly(doubled(1, 2, 4));
      assertThat(fallbacks(registry, "queue_full")).isEqualTo(1.0);
      big.release();
      assertThat(running.get(10, TimeUnit.SECONDS).model()).isEqualTo(BIG);
      assertThat(queued.get(10, TimeUnit.SECONDS).model()).isEqualTo(BIG);
    }
  }

  @Test
  void aDeadlineTheObservedRunTimeCannotMeetGoesToTheFallback() {
    TestModel big = new TestModel(Fixtures.doublerModel()).failing(n -> {
      sleep(300); // a slow model: its first run teaches the runtime how long a run takes
      return null;
    });
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(SMALL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy(BIG, "1", big, fallingBackToSmall().build());
      assertThat(rt.infer(BIG, rows(1, 0, 4)).model()).isEqualTo(BIG);
      InferenceResult hurried = rt.infer(BIG, null, rows(1, 1, 4),
          RequestOptions.builder().timeout(Duration.ofMillis(100)).build());
      assertThat(hurried.model()).isEqualTo(SMALL);
      assertThat(big.calls.get()).isEqualTo(1);
      assertThat(fallbacks(registry, "deadline")).isEqualTo(1.0);
      // a caller with time to wait still gets the big model
      assertThat(rt.infer(BIG, rows(1, 2, 4)).model()).isEqualTo(BIG);
    }
  }

  @Test
  void aHealthyModelAnswersItselfAndWithoutAFallbackAnOpenBreakerRefuses() {
    TestModel big = new TestModel(Fixtures.doublerModel()).failing(n -> new EngineException("big model crashed"));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(SMALL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy("healthy", "1", Fixtures.doublerModel(), Fixtures.settings().fallback(SMALL, "1").build());
      assertThat(rt.infer("healthy", rows(1, 0, 4)).model()).isEqualTo("healthy");
      rt.deploy(BIG, "1", big, Fixtures.settings().batchingEnabled(false).retryMaxAttempts(1)
          .breakerMinimumCalls(1).breakerSlidingWindowSize(1).breakerOpenWait(Duration.ofMinutes(5)).build());
      assertThatThrownBy(() -> rt.infer(BIG, rows(1, 0, 4))).isInstanceOf(EngineException.class);
      assertThatThrownBy(() -> rt.infer(BIG, rows(1, 0, 4))).isInstanceOf(OverloadedException.class);
    }
  }

  @Test
  void anIdempotencyKeyKeepsTheNamedModelsNamespaceAcrossAFallback() {
    TestModel big = new TestModel(Fixtures.doublerModel()).failing(n -> new EngineException("big model crashed"));
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(SMALL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy(BIG, "1", big, fallingBackToSmall().retryMaxAttempts(1).breakerMinimumCalls(1)
          .breakerSlidingWindowSize(1).breakerOpenWait(Duration.ofMinutes(5)).build());
      assertThatThrownBy(() -> rt.infer(BIG, rows(1, 0, 4))).isInstanceOf(EngineException.class);
      RequestOptions key = RequestOptions.builder().idempotencyKey("order-9").build();
      InferenceResult r = rt.infer(BIG, null, rows(1, 6, 4), key);
      assertThat(r.model()).isEqualTo(SMALL);
      assertThat(r.requestId()).isEqualTo(DeduceRuntime.requestIdFor(BIG, "order-9"));
      assertThat(rt.infer(BIG, null, rows(1, 6, 4), key).requestId()).isEqualTo(r.requestId());
    }
    assertThat(store.reopen().get(DeduceRuntime.requestIdFor(BIG, "order-9")).orElseThrow().request().model())
        .isEqualTo(SMALL);
  }

  @Test
  void aFallbackToItselfIsRefused() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      assertThatThrownBy(() -> rt.deploy(BIG, "1", Fixtures.doublerModel(), Fixtures.settings().fallback(BIG, null)
          .build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model 'big' version '1' sets fallback = big, which is itself");
    }
  }

  @Test
  void aFallbackThatIsNotDeployedIsRefused() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(SMALL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      assertThatThrownBy(() -> rt.deploy(BIG, "1", Fixtures.doublerModel(), Fixtures.settings()
          .fallback("tiny", null).build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sets fallback = tiny, which is not deployed")
          .hasMessageContaining("expected the fallback deployed first");
      assertThatThrownBy(() -> rt.deploy(BIG, "1", Fixtures.doublerModel(), Fixtures.settings().fallback(SMALL, "7")
          .build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sets fallback = small version 7, which is not deployed");
      assertThat(rt.versions(BIG)).isEmpty();
    }
  }

  @Test
  void aFallbackCycleIsRefusedNamingTheChain() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("a", "1", Fixtures.doublerModel(), Fixtures.settings().build());
      rt.deploy("b", "1", Fixtures.doublerModel(), Fixtures.settings().fallback("a", null).build());
      assertThatThrownBy(() -> rt.deploy("a", "2", Fixtures.doublerModel(), Fixtures.settings().fallback("b", null)
          .build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("makes the fallback chain a -> b -> a a cycle");
      assertThat(rt.versions("a")).containsExactly("1");
    }
  }

  @Test
  void aFallbackWhoseSignatureDiffersIsRefused() {
    ReferenceGraph wide = ReferenceGraph.builder("wide").input("x", DataType.FLOAT32, -1, 8)
        .op(ReferenceGraph.Op.ADD, "y", "x", "x").output("y").build();
    ReferenceGraph renamed = ReferenceGraph.builder("renamed").input("x", DataType.FLOAT32, -1, 4)
        .op(ReferenceGraph.Op.ADD, "z", "x", "x").output("z").build();
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("wide", "1", ReferenceEngine.wrap(wide), Fixtures.settings().build());
      rt.deploy("renamed", "1", ReferenceEngine.wrap(renamed), Fixtures.settings().build());
      rt.deploy("ragged", "1", ReferenceEngine.wrap(Fixtures.ragged()), Fixtures.settings().build());
      assertThatThrownBy(() -> rt.deploy(BIG, "1", Fixtures.doublerModel(), Fixtures.settings().fallback("wide",
          null).build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot fall back to model 'wide' version '1': input 'x' has shape [-1, 8] there"
              + " and [-1, 4] here");
      assertThatThrownBy(() -> rt.deploy(BIG, "1", Fixtures.doublerModel(), Fixtures.settings().fallback("renamed",
          null).build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("it has no output 'y'");
      // a fallback taking any width takes every input the primary takes
      rt.deploy(BIG, "1", Fixtures.doublerModel(), Fixtures.settings().fallback("ragged", null).build());
    }
  }

  @Test
  void aFallbackVersionWithoutAFallbackIsABadSetting() {
    assertThatThrownBy(() -> Fixtures.settings().set("fallback-version", "2").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad setting fallback-version")
        .hasMessageContaining("no version while fallback is empty");
  }

  @Test
  void theRepositoryDeploysAFallbackBeforeTheModelNamingIt(@TempDir Path dir) {
    Repo repo = new Repo(dir);
    repo.version("a-main", 1, Repo.CONF + "fallback = z-small\n");
    repo.version("z-small", 1);
    repo.version("loop-a", 1, Repo.CONF + "fallback = loop-b\n");
    repo.version("loop-b", 1, Repo.CONF + "fallback = loop-a\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository r = repo.start(rt)) {
      assertThat(rt.versions("a-main")).containsExactly("1");
      assertThat(r.problems()).noneSatisfy(p -> assertThat(p.model()).isIn("a-main", "z-small"));
      // of a cycle, the first deployed cannot name the other, which is not deployed yet
      assertThat(r.problems()).anySatisfy(p -> assertThat(p.toString()).contains("loop-a")
          .contains("sets fallback = loop-b, which is not deployed"));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
