package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.repository.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResponseCacheTest {

  private static ModelSettings cached(Duration ttl) {
    return Fixtures.settings().cache(true, ttl).build();
  }

  private static double count(SimpleMeterRegistry registry, String name, String version) {
    var c = registry.find(name).tag("model", MODEL).tag("version", version).counter();
    return c == null ? 0 : c.count();
  }

  /** Waits until the store holds {@code r} as DONE: results are written after the caller hears of them. */
  private static InferenceResult stored(MemoryStore store, InferenceResult r) {
    Fixtures.eventually(() -> store.get(r.requestId()).map(s -> s.status() == RequestStatus.DONE).orElse(false),
        "result " + r.requestId() + " stored");
    return r;
  }

  @Test
  void aRepeatedInputIsAnsweredFromTheStoredResultWithoutRunningTheModel() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.RESULTS).meterRegistry(registry)
        .build()) {
      rt.deploy(MODEL, "1", model, cached(Duration.ofHours(1)));
      InferenceResult first = stored(store, rt.infer(MODEL, rows(1, 3, 4)));
      InferenceResult again = rt.infer(MODEL, rows(1, 3, 4));
      assertThat(again.output("y").toFloatArray()).containsExactly(doubled(1, 3, 4));
      assertThat(again.requestId()).isEqualTo(first.requestId());
      assertThat(again.batchSize()).isZero();
      assertThat(model.calls.get()).isEqualTo(1);
      assertThat(count(registry, MetricNames.CACHE_HITS, "1")).isEqualTo(1.0);
      assertThat(count(registry, MetricNames.CACHE_MISSES, "1")).isEqualTo(1.0);
    }
  }

  @Test
  void anEntryAnswersAfterARestartOfTheRuntime() {
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), cached(Duration.ofHours(1)));
      rt.infer(MODEL, rows(1, 7, 4));
    }
    TestModel restarted = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(store.reopen()).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", restarted, cached(Duration.ofHours(1)));
      assertThat(rt.infer(MODEL, rows(1, 7, 4)).output("y").toFloatArray()).containsExactly(doubled(1, 7, 4));
      assertThat(restarted.calls.get()).isZero();
    }
  }

  @Test
  void aNewVersionNeverServesAnOldVersionsEntry() {
    MemoryStore store = new MemoryStore();
    TestModel v2 = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), cached(Duration.ofHours(1)));
      stored(store, rt.infer(MODEL, rows(1, 1, 4)));
      rt.deploy(MODEL, "2", v2, cached(Duration.ofHours(1)));
      InferenceResult r = stored(store, rt.infer(MODEL, rows(1, 1, 4)));
      assertThat(r.version()).isEqualTo("2");
      assertThat(v2.calls.get()).isEqualTo(1);
      // and version 1 still answers its own repeat from its entry
      assertThat(rt.infer(MODEL, "1", rows(1, 1, 4), RequestOptions.defaults()).batchSize()).isZero();
    }
  }

  @Test
  void inputsThatDifferInDataOrShapeRunTheModel() {
    TestModel model = new TestModel(ReferenceEngine.wrap(Fixtures.ragged()));
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy("ragged", "1", model, cached(Duration.ofHours(1)));
      stored(store, rt.infer("ragged", rows(1, 0, 4)));
      stored(store, rt.infer("ragged", rows(1, 1, 4))); // other data
      stored(store, rt.infer("ragged", rows(2, 0, 2))); // the same four values, another shape
      assertThat(rt.infer("ragged", rows(1, 0, 4)).batchSize()).isZero(); // the first again: a hit
      assertThat(model.calls.get()).isEqualTo(3);
    }
  }

  @Test
  void anExpiredEntryRunsTheModelAgain() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel());
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, cached(Duration.ofMillis(40)));
      stored(store, rt.infer(MODEL, rows(1, 2, 4)));
      Thread.sleep(120); // past the ttl: two buckets later, and the entry's age is over it
      rt.infer(MODEL, rows(1, 2, 4));
      assertThat(model.calls.get()).isEqualTo(2);
    }
  }

  @Test
  void aFailedResultIsNeverServedFromTheCache() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> n == 1 ? new EngineException("kernel crashed on run 1") : null);
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().cache(true, Duration.ofHours(1)).retryMaxAttempts(1).build());
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 4, 4))).isInstanceOf(EngineException.class);
      Fixtures.eventually(() -> store.history(dev.deduce.spi.HistoryQuery.all().withStatus(RequestStatus.FAILED))
          .items().size() == 1, "the failure stored");
      InferenceResult ran = stored(store, rt.infer(MODEL, rows(1, 4, 4)));
      assertThat(ran.output("y").toFloatArray()).containsExactly(doubled(1, 4, 4));
      assertThat(ran.batchSize()).isEqualTo(1);
      assertThat(rt.infer(MODEL, rows(1, 4, 4)).batchSize()).isZero(); // the success is served
      assertThat(model.calls.get()).isEqualTo(2);
    }
  }

  @Test
  void anIdempotentRequestIsAnsweredFromTheCache() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, cached(Duration.ofHours(1)));
      stored(store, rt.infer(MODEL, rows(1, 5, 4)));
      InferenceResult keyed = rt.infer(MODEL, null, rows(1, 5, 4),
          RequestOptions.builder().idempotencyKey("order-17").build());
      assertThat(keyed.output("y").toFloatArray()).containsExactly(doubled(1, 5, 4));
      assertThat(model.calls.get()).isEqualTo(1);
    }
  }

  @Test
  void theCacheOffRunsEveryRequest() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(new MemoryStore()).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      rt.infer(MODEL, rows(1, 5, 4));
      rt.infer(MODEL, rows(1, 5, 4));
      assertThat(model.calls.get()).isEqualTo(2);
    }
  }

  @Test
  void aCacheWithoutAStoreIsRefusedAtDeploy() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      assertThatThrownBy(() -> rt.deploy(MODEL, "1", Fixtures.doublerModel(), cached(Duration.ofHours(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model 'doubler' version '1' sets cache.enabled = true")
          .hasMessageContaining("expected durability RESULTS or DURABLE with a store, or cache.enabled = false");
      assertThat(rt.versions(MODEL)).isEmpty();
    }
  }

  @Test
  void aTtlThatIsNotPositiveIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> cached(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cache.ttl").hasMessageContaining("a positive duration");
  }

  @Test
  void modelConfTurnsTheCacheOnAndReportsABadTtl(@TempDir Path dir) {
    Repo repo = new Repo(dir);
    repo.version("cached", 1, Repo.CONF + "cache { enabled = true, ttl = 10m }\n");
    repo.version("broken", 1, Repo.CONF + "cache { enabled = true, ttl = -1s }\n");
    try (DeduceRuntime rt = Fixtures.runtime().engine(new ReferenceEngine()).store(new MemoryStore())
        .durability(Durability.DURABLE).build();
        ModelRepository r = repo.start(rt)) {
      InferenceResult first = rt.infer("cached", rows(1, 0, 4));
      assertThat(first.batchSize()).isEqualTo(1);
      Fixtures.eventually(() -> rt.infer("cached", rows(1, 0, 4)).batchSize() == 0, "a repeat answered from the cache");
      assertThat(r.problems()).anySatisfy(p -> assertThat(p.toString()).contains("broken")
          .contains("cache.ttl").contains("a positive duration"));
    }
  }
}
