package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Fault injection against the store writer: a stalled store, a failing one, and close() under load. */
class StoreFaultTest {

  private static RequestOptions within(Duration timeout) {
    return RequestOptions.builder().timeout(timeout).build();
  }

  private static RuntimeSettings fastRetries(Map<String, Object> more) {
    Map<String, Object> all = new java.util.HashMap<>(Map.of("deduce.store.retry-initial-backoff", "1ms",
        "deduce.store.retry-max-backoff", "5ms", "deduce.store.retry-max-attempts", "3"));
    all.putAll(more);
    return GroupCommitTest.settings(all);
  }

  @Test
  void aStalledStoreFailsEveryDurableCallerAtItsOwnDeadlineAndAcknowledgesNothing() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    CountDownLatch disk = new CountDownLatch(1);
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      store.appendStall = disk;
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int base = i;
        // a caller blocked inside submit() would never get a future back: submit from a pool
        futures.add(CompletableFuture.supplyAsync(() -> rt.submit(MODEL, null, rows(1, base, 4),
            within(Duration.ofMillis(200 + 50 * base))), callers).thenCompose(x -> x));
      }
      for (CompletableFuture<InferenceResult> f : futures) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(DeadlineExceededException.class)
            .hasMessageContaining("not acknowledged").hasMessageContaining("deadline");
      }
      assertThat(store.stalledAppends.get()).isEqualTo(1);
      store.appendStall = null;
      disk.countDown();
      // the store is back: new callers are served
      assertThat(rt.submit(MODEL, null, rows(1, 5, 4), within(Duration.ofSeconds(10))).get(10, TimeUnit.SECONDS)
          .output("y").toFloatArray()).containsExactly(doubled(1, 5, 4));
    } finally {
      disk.countDown();
      callers.shutdownNow();
    }
  }

  @Test
  void failingResultWritesAreRetriedOffTheWritersPathSoDurableAppendsDoNotWaitBehindThem() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    // a minute between retries: a writer thread that slept through its backoffs would time every append out
    RuntimeSettings s = GroupCommitTest.settings(Map.of("deduce.store.retry-initial-backoff", "60s",
        "deduce.store.retry-max-backoff", "60s"));
    store.failCompletes.set(Integer.MAX_VALUE);
    try (DeduceRuntime rt = Fixtures.runtime().settings(s).store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      for (int i = 0; i < 5; i++) {
        assertThat(rt.submit(MODEL, null, rows(1, i, 4), within(Duration.ofSeconds(5))).get(10, TimeUnit.SECONDS)
            .output("y").toFloatArray()).containsExactly(doubled(1, i, 4));
      }
      assertThat(store.completeCalls.get()).isPositive();
      store.failCompletes.set(0);
    }
  }

  @Test
  void resultsTheStoreKeepsFailingAreHeldCountedInHealthAndStoredOnceItRecovers() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    store.failCompletes.set(Integer.MAX_VALUE);
    try (DeduceRuntime rt = Fixtures.runtime().settings(fastRetries(Map.of())).store(store)
        .durability(Durability.RESULTS).meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      InferenceResult r = rt.infer(MODEL, rows(1, 4, 4));
      Fixtures.eventually(() -> rt.storeProblem().isPresent(), "health names the failing store");
      assertThat(rt.storeProblem().get()).contains("the store failed the last").contains("disk full")
          .contains("1 results are held in memory");
      assertThat(registry.get(MetricNames.STORE_BACKLOG).gauge().value()).isEqualTo(1.0);
      // far more failures than retry-max-attempts: the result is still held, not dropped
      Fixtures.eventually(() -> store.completeCalls.get() > 20, "many retries");
      assertThat(registry.get(MetricNames.STORE_UNSAVED).counter().count()).isZero();
      store.failCompletes.set(0);
      Fixtures.eventually(() -> store.get(r.requestId()).isPresent(), "the held result stored once the store works");
      assertThat(store.get(r.requestId()).orElseThrow().status()).isEqualTo(RequestStatus.DONE);
      Fixtures.eventually(() -> rt.storeProblem().isEmpty(), "health clears");
      assertThat(registry.get(MetricNames.STORE_BACKLOG).gauge().value()).isZero();
    }
  }

  @Test
  void durableRowsBecomeDoneNotPendingWhenTheStoreRecoversFromFailedResultWrites() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    try (DeduceRuntime rt = Fixtures.runtime().settings(fastRetries(Map.of())).store(store)
        .durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      store.failCompletes.set(Integer.MAX_VALUE);
      InferenceResult r = rt.submit(MODEL, rows(1, 6, 4)).get(10, TimeUnit.SECONDS);
      Fixtures.eventually(() -> store.completeCalls.get() > 10, "many failed result writes");
      assertThat(store.get(r.requestId()).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
      store.failCompletes.set(0);
      Fixtures.eventually(() -> store.get(r.requestId()).orElseThrow().status() == RequestStatus.DONE,
          "the row DONE once the store works");
    }
  }

  @Test
  void whenTooManyResultsWaitForAFailingStoreANewResultFailsItsCallerInsteadOfBeingDropped() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RuntimeSettings s = fastRetries(Map.of("deduce.store.group-commit-max-records", "2",
        "deduce.store.group-commit-capacity", "3"));
    store.failCompletes.set(Integer.MAX_VALUE);
    try (DeduceRuntime rt = Fixtures.runtime().settings(s).store(store).durability(Durability.RESULTS)
        .meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      for (int i = 0; i < 3; i++) {
        rt.infer(MODEL, rows(1, i, 4));
      }
      Fixtures.eventually(() -> rt.storeProblem().isPresent(), "the store reported failing");
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 9, 4))).isInstanceOf(StoreException.class)
          .hasMessageContaining("was not stored: 3 results already wait for the store")
          .hasMessageContaining("disk full");
      assertThat(registry.get(MetricNames.STORE_UNSAVED).counter().count()).isEqualTo(1.0);
      store.failCompletes.set(0);
      Fixtures.eventually(() -> store.completions.size() == 3, "the three held results stored");
    }
  }

  @Test
  void closePastItsDrainTimeoutFailsACallerWhoseResultWillNotBeStored() throws Exception {
    MemoryStore store = new MemoryStore();
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    RuntimeSettings s = GroupCommitTest.settings(Map.of("deduce.drain-timeout", "100ms"));
    DeduceRuntime rt = Fixtures.runtime().settings(s).store(store).durability(Durability.RESULTS).build();
    rt.deploy(MODEL, "1", model, Fixtures.settings().build());
    CompletableFuture<InferenceResult> f = rt.submit(MODEL, rows(1, 1, 4));
    model.awaitHeld();
    rt.close(); // gives up on the held run after the drain timeout
    model.release();
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.class)
        .hasMessageContaining("was not stored").hasMessageContaining("the runtime is closing");
  }

  @Test
  void closeUnderDurableLoadLeavesNoCallerWaitingAndEverySuccessStored() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    RuntimeSettings s = GroupCommitTest.settings(Map.of("deduce.drain-timeout", "2s"));
    DeduceRuntime rt = Fixtures.runtime().settings(s).store(store).durability(Durability.DURABLE).build();
    rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().queueCapacity(4096).instances(2).build());
    ExecutorService callers = Executors.newFixedThreadPool(8);
    List<CompletableFuture<List<CompletableFuture<InferenceResult>>>> perThread = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      perThread.add(CompletableFuture.supplyAsync(() -> {
        // closed-loop callers, a few requests in flight each, until the runtime refuses them
        List<CompletableFuture<InferenceResult>> mine = new ArrayList<>();
        for (int i = 0; !rt.isClosed(); i++) {
          CompletableFuture<InferenceResult> f = rt.submit(MODEL, rows(1, thread * 1_000_000 + i, 4));
          mine.add(f);
          if (i % 4 == 3) {
            f.exceptionally(e -> null).join();
          }
        }
        return mine;
      }, callers));
    }
    Fixtures.eventually(() -> store.appended.size() > 500, "load under way");
    rt.close();
    MemoryStore after = store.inner.reopen(); // the runtime closed the store: read its data as after a restart
    int ok = 0;
    int failed = 0;
    for (var p : perThread) {
      for (CompletableFuture<InferenceResult> f : p.get(30, TimeUnit.SECONDS)) {
        try {
          InferenceResult r = f.get(10, TimeUnit.SECONDS);
          ok++;
          // acknowledged: the store holds it, done or (re-run on the next start) pending
          assertThat(after.get(r.requestId())).as("stored: " + r.requestId()).isPresent();
        } catch (ExecutionException e) {
          failed++;
          assertThat(e.getCause()).isInstanceOf(DeduceException.class);
        }
      }
    }
    callers.shutdownNow();
    assertThat(ok).isPositive();
  }
}
