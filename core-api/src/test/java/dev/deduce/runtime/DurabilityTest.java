package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DeduceException;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.api.TransientEngineException;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DurabilityTest {

  private static RequestOptions key(String k) {
    return RequestOptions.builder().idempotencyKey(k).timeout(Duration.ofSeconds(60)).build();
  }

  @Test
  void durableSubmitStoresTheRequestAsPendingBeforeItsFutureCompletes() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      CompletableFuture<InferenceResult> f = rt.submit(MODEL, null, rows(1, 3, 4), key("p"));
      String id = DeduceRuntime.requestIdFor(MODEL, "p");
      Fixtures.eventually(() -> store.get(id).isPresent(), "the request stored while its run is held");
      assertThat(store.get(id)).get().extracting(s -> s.status()).isEqualTo(RequestStatus.PENDING);
      assertThat(f).isNotDone();
      model.release();
      assertThat(f.get(10, TimeUnit.SECONDS).requestId()).isEqualTo(id);
    }
    // the runtime closed the store: read its data through a reopened store, as after a restart
    assertThat(store.reopen().get(DeduceRuntime.requestIdFor(MODEL, "p")).orElseThrow().status())
        .isEqualTo(RequestStatus.DONE);
  }

  @Test
  void storeFailureFailsTheRequestInDurableModeAndItsResultIsNeitherReturnedNorStored() {
    TestStore store = new TestStore(new MemoryStore());
    TestModel model = new TestModel(Fixtures.doublerModel());
    // the append is written bare, so the one failed append call is this request's (a failed write of a request
    // with its result is written again, append then complete: GroupCommitTest)
    try (DeduceRuntime rt = Fixtures.runtime().settings(GroupCommitTest.bareAppends()).store(store)
        .durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      store.failAppends.set(1);
      assertThatThrownBy(() -> rt.infer(MODEL, null, rows(1, 0, 4), key("lost"))).isInstanceOf(StoreException.class)
          .hasMessageContaining("could not store the request before acknowledging it")
          .hasMessageContaining("disk full");
      // it may have run while its append was in the store, but its result goes nowhere
      assertThat(store.completions).doesNotContainKey(DeduceRuntime.requestIdFor(MODEL, "lost"));
      assertThat(store.get(DeduceRuntime.requestIdFor(MODEL, "lost"))).isEmpty();
      // the store is back: the next request goes through
      assertThat(rt.infer(MODEL, rows(1, 1, 4)).output("y").toFloatArray()).containsExactly(doubled(1, 1, 4));
    }
  }

  @Test
  void aRecordTheStoreRefusesFailsOnlyItsOwnRequestNotItsGroupCommitNeighbours() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    store.refusedKeyPrefix = "refuse";
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          String k = (i == 31 ? "refuse-" : "ok-") + i;
          int base = i;
          futures.add(CompletableFuture.supplyAsync(() -> rt.submit(MODEL, null, rows(1, base, 4), key(k)), pool)
              .thenCompose(f -> f));
        }
        for (int i = 0; i < futures.size(); i++) {
          CompletableFuture<InferenceResult> f = futures.get(i);
          if (i == 31) {
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.class)
                .hasMessageContaining("malformed");
          } else {
            assertThat(f.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(1, i, 4));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertThat(store.inner.reopen().get(DeduceRuntime.requestIdFor(MODEL, "refuse-31"))).isEmpty();
    assertThat(store.inner.reopen().get(DeduceRuntime.requestIdFor(MODEL, "ok-30")).orElseThrow().status())
        .isEqualTo(RequestStatus.DONE);
  }

  @Test
  void storeFailureIsRetriedAndCountedInResultsMode() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    store.failCompletes.set(2);
    InferenceResult r;
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.RESULTS)
        .meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      r = rt.infer(MODEL, rows(1, 0, 4));
      Fixtures.eventually(() -> store.get(r.requestId()).isPresent(), "result stored after retries");
      assertThat(registry.get("deduce.store.failures").tag("op", "complete").counter().count()).isEqualTo(2.0);
    }
    assertThat(store.inner.reopen().get(r.requestId()).orElseThrow().status()).isEqualTo(RequestStatus.DONE);
    assertThat(store.completeCalls.get()).isEqualTo(3);
  }

  @Test
  void durableRequestsRecoverAfterTheRuntimeIsAbandonedWithoutClose() throws Exception {
    MemoryStore disk = new MemoryStore();
    TestStore connection = new TestStore(disk);
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    DeduceRuntime crashed = Fixtures.runtime().store(connection).durability(Durability.DURABLE).build();
    crashed.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).build());
    for (int i = 0; i < 5; i++) {
      crashed.submit(MODEL, null, rows(1, i * 10, 4), key("k" + i));
    }
    model.awaitHeld();
    // the five are stored while the first one's run is held: none of them has been acknowledged yet
    Fixtures.eventually(() -> disk.pending().size() == 5, "five requests stored as PENDING");
    // the process dies: nothing it does from now on reaches the store, and it is never closed
    connection.sever();
    model.release();

    TestModel fresh = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(disk).durability(Durability.DURABLE).build()) {
      assertThat(fresh.calls.get()).isZero();
      rt.deploy(MODEL, "2", fresh, Fixtures.settings().build());
      Fixtures.eventually(() -> disk.pending().isEmpty(), "recovered requests completed");
      for (int i = 0; i < 5; i++) {
        var stored = disk.get(DeduceRuntime.requestIdFor(MODEL, "k" + i)).orElseThrow();
        assertThat(stored.status()).isEqualTo(RequestStatus.DONE);
        assertThat(stored.version()).isEqualTo("2");
        assertThat(stored.outputs().get("y").toFloatArray()).containsExactly(doubled(1, i * 10, 4));
      }
      // a caller retrying with its key gets the recovered result, without another run
      int runs = fresh.calls.get();
      InferenceResult again = rt.submit(MODEL, null, rows(1, 999, 4), key("k3")).get(10, TimeUnit.SECONDS);
      assertThat(again.requestId()).isEqualTo(DeduceRuntime.requestIdFor(MODEL, "k3"));
      assertThat(again.output("y").toFloatArray()).containsExactly(doubled(1, 30, 4));
      assertThat(fresh.calls.get()).isEqualTo(runs);
    }
    assertThat(disk.reopen().history(HistoryQuery.all()).items()).hasSize(5);
  }

  @Test
  void sameIdempotencyKeyReturnsTheFirstRequestsResult() throws Exception {
    MemoryStore store = new MemoryStore();
    TestModel model = new TestModel(Fixtures.doublerModel());
    InferenceResult first;
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      first = rt.submit(MODEL, null, rows(1, 1, 4), key("order-42")).get(10, TimeUnit.SECONDS);
      InferenceResult second = rt.submit(MODEL, null, rows(1, 500, 4), key("order-42")).get(10, TimeUnit.SECONDS);
      assertThat(second).isEqualTo(first);
      assertThat(model.calls.get()).isEqualTo(1);
    }
    // a new runtime finds the first result in the store, opened again
    TestModel other = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(store.reopen()).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", other, Fixtures.settings().build());
      InferenceResult replay = rt.submit(MODEL, null, rows(1, 500, 4), key("order-42")).get(10, TimeUnit.SECONDS);
      assertThat(replay.requestId()).isEqualTo(first.requestId());
      assertThat(replay.output("y")).isEqualTo(first.output("y"));
      assertThat(other.calls.get()).isZero();
    }
  }

  @Test
  void aStoredFailureReplaysAsTheExceptionClassOfItsErrorKind() {
    MemoryStore store = new MemoryStore();
    Instant at = Instant.parse("2026-01-01T00:00:00Z");
    for (ErrorKind kind : ErrorKind.values()) {
      RequestRecord r = new RequestRecord(DeduceRuntime.requestIdFor(MODEL, kind.name()), MODEL, "1", rows(1, 0, 4),
          at, at.plusSeconds(60), kind.name());
      store.complete(List.of(ResultRecord.failed(r, "1", kind, "it failed as " + kind, at, 1)));
    }
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", new TestModel(Fixtures.doublerModel()), Fixtures.settings().build());
      for (ErrorKind kind : ErrorKind.values()) {
        CompletableFuture<InferenceResult> replay = rt.submit(MODEL, null, rows(1, 0, 4), key(kind.name()));
        assertThatThrownBy(replay::join).cause()
            .isExactlyInstanceOf(kind.exception("").getClass())
            .hasMessage("stored result of the first request with this idempotency key: it failed as " + kind)
            .extracting(e -> ((DeduceException) e).kind()).isEqualTo(kind);
      }
    }
  }

  @Test
  void olderIdempotentResultsPastTheByteBoundAreAnsweredFromTheStoreWithoutARun() throws Exception {
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.idempotency-max-bytes", "256KiB"));
    MemoryStore store = new MemoryStore();
    TestModel model = new TestModel(ReferenceEngine.wrap(Fixtures.ragged()));
    int width = 16 * 1024; // 64 KiB of FLOAT32 per result
    try (DeduceRuntime rt = DeduceRuntime.builder().settings(settings).store(store).durability(Durability.RESULTS)
        .build()) {
      rt.deploy("ragged", "1", model, Fixtures.settings().build());
      for (int i = 0; i < 20; i++) {
        rt.submit("ragged", null, rows(1, i, width), key("k" + i)).get(10, TimeUnit.SECONDS);
      }
      String first = DeduceRuntime.requestIdFor("ragged", "k0");
      Fixtures.eventually(() -> store.get(first).filter(s -> s.status() == RequestStatus.DONE).isPresent(),
          "the first result stored");
      int runs = model.calls.get();

      InferenceResult old = rt.submit("ragged", null, rows(1, 999, width), key("k0")).get(10, TimeUnit.SECONDS);
      InferenceResult recent = rt.submit("ragged", null, rows(1, 999, width), key("k19")).get(10, TimeUnit.SECONDS);

      assertThat(old.batchSize()).as("replayed from the store").isZero();
      assertThat(old.output("y").toFloatArray()).containsExactly(doubled(1, 0, width));
      assertThat(recent.batchSize()).as("answered from memory").isEqualTo(1);
      assertThat(recent.output("y").toFloatArray()).containsExactly(doubled(1, 19, width));
      assertThat(model.calls.get()).isEqualTo(runs);
    }
  }

  @Test
  void tenThousandConcurrentSubmitsWithTransientFailuresAreNeitherLostNorCompletedTwice() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // the first run of every batch led by a multiple of 3 fails transiently; its retry succeeds
    java.util.Set<Float> failedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
    TestModel model = new TestModel(Fixtures.doublerModel()).failingOn((n, in) -> {
      float lead = in.get("x").toFloatArray()[0];
      return lead % 3 == 0 && failedOnce.add(lead) ? new TransientEngineException("injected failure on " + lead)
          : null;
    });
    int total = 10_000;
    int threads = 16;
    List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).meterRegistry(registry)
        .build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().queueCapacity(total).maxBatchSize(16).instances(2)
          .retryMaxAttempts(5).build());
      ExecutorService callers = Executors.newFixedThreadPool(threads);
      List<CompletableFuture<List<CompletableFuture<InferenceResult>>>> perThread = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        perThread.add(CompletableFuture.supplyAsync(() -> {
          List<CompletableFuture<InferenceResult>> mine = new ArrayList<>();
          for (int i = thread; i < total; i += threads) {
            mine.add(rt.submit(MODEL, rows(1, i, 4)));
          }
          return mine;
        }, callers));
      }
      for (var p : perThread) {
        futures.addAll(p.get(60, TimeUnit.SECONDS));
      }
      callers.shutdown();
      for (CompletableFuture<InferenceResult> f : futures) {
        InferenceResult r = f.get(30, TimeUnit.SECONDS);
        float base = r.output("y").toFloatArray()[0] / 2;
        assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, base, 4));
      }
    }
    assertThat(futures).hasSize(total);
    MemoryStore data = store.inner.reopen();
    assertThat(data.pending()).isEmpty();
    assertThat(store.completions).hasSize(total).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    int rows = 0;
    for (var page = data.history(HistoryQuery.all().withPageSize(HistoryQuery.MAX_PAGE_SIZE)); ; ) {
      rows += page.items().size();
      assertThat(page.items()).allMatch(s -> s.status() == RequestStatus.DONE);
      var next = HistoryQuery.all().withPageSize(HistoryQuery.MAX_PAGE_SIZE).next(page);
      if (next.isEmpty()) {
        break;
      }
      page = data.history(next.get());
    }
    assertThat(rows).isEqualTo(total);
    // every input value came back exactly once
    assertThat(futures.stream().map(f -> f.join().output("y").toFloatArray()[0]).distinct().count())
        .isEqualTo(total);
    assertThat(registry.get("deduce.requests").tag("outcome", "done").counter().count()).isEqualTo(total);
    assertThat(registry.get("deduce.retries").counter().count()).isEqualTo(failedOnce.size()).isPositive();
    assertThat(store.appendCalls.get()).isLessThan(total);
  }
}
