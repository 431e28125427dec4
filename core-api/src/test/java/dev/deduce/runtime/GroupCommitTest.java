package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The DURABLE path through the group-commit writer: when it writes, what waits for what, and in which order. */
class GroupCommitTest {

  static RuntimeSettings settings(Map<String, ?> overrides) {
    return SettingsLoader.load(null, Map.of(), new Properties(), overrides);
  }

  /** No group waits for its results: each append reaches the store bare, where a test stalls or fails it. */
  static RuntimeSettings bareAppends() {
    return settings(Map.of("deduce.store.group-commit-result-wait", "0ms"));
  }

  private static RequestOptions key(String k) {
    return RequestOptions.builder().idempotencyKey(k).timeout(Duration.ofSeconds(60)).build();
  }

  @Test
  void aLoneDurableRequestIsWrittenAtOnceEvenWithALongGroupDelay() throws Exception {
    // 60 s of delay: a writer that waited for records no caller can send would time this request out
    RuntimeSettings s = settings(Map.of("deduce.store.group-commit-max-delay", "60s"));
    try (DeduceRuntime rt = Fixtures.runtime().settings(s).store(new MemoryStore()).durability(Durability.DURABLE)
        .build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      for (int i = 0; i < 3; i++) {
        InferenceResult r = rt.submit(MODEL, null, rows(1, i, 4), key("lone-" + i)).get(10, TimeUnit.SECONDS);
        assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, i, 4));
      }
    }
  }

  @Test
  void aDurableRequestComputesWhileItsAppendIsInTheStoreAndIsAcknowledgedOnlyOnceStored() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    TestModel model = new TestModel(Fixtures.doublerModel());
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (DeduceRuntime rt = Fixtures.runtime().settings(bareAppends()).store(store).durability(Durability.DURABLE)
        .build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      CountDownLatch disk = new CountDownLatch(1);
      store.appendStall = disk;
      // submitted from another thread: a submit that blocked on the store would hold this test's thread
      CompletableFuture<InferenceResult> f = CompletableFuture.supplyAsync(
          () -> rt.submit(MODEL, null, rows(1, 7, 4), key("overlap")), caller).thenCompose(x -> x);
      Fixtures.eventually(() -> model.calls.get() == 1, "the request ran while its append was stalled");
      assertThat(store.stalledAppends.get()).isEqualTo(1);
      assertThat(f).as("acknowledged before the store held the request").isNotDone();
      store.appendStall = null;
      disk.countDown();
      assertThat(f.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(1, 7, 4));
      Fixtures.eventually(() -> store.get(DeduceRuntime.requestIdFor(MODEL, "overlap"))
          .map(x -> x.status() == RequestStatus.DONE).orElse(false), "the result stored after the append");
    } finally {
      caller.shutdownNow();
    }
  }

  @Test
  void anAppendThatFailsAfterTheRunFailsTheCallerAndItsResultIsNeverStored() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    TestModel model = new TestModel(Fixtures.doublerModel());
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (DeduceRuntime rt = Fixtures.runtime().settings(bareAppends()).store(store).durability(Durability.DURABLE)
        .build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      CountDownLatch disk = new CountDownLatch(1);
      store.appendStall = disk;
      store.failAppends.set(1);
      CompletableFuture<InferenceResult> f = CompletableFuture.supplyAsync(
          () -> rt.submit(MODEL, null, rows(1, 2, 4), key("doomed")), caller).thenCompose(x -> x);
      Fixtures.eventually(() -> model.calls.get() == 1, "the request ran while its append was stalled");
      store.appendStall = null;
      disk.countDown();
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.class)
          .hasMessageContaining("could not store the request before acknowledging it")
          .hasMessageContaining("disk full");
      // the writer is idle again once the next request is through: the doomed result had its chance to be written
      rt.submit(MODEL, null, rows(1, 3, 4), key("after")).get(10, TimeUnit.SECONDS);
      Fixtures.eventually(() -> store.get(DeduceRuntime.requestIdFor(MODEL, "after")).map(x -> x.status()
          == RequestStatus.DONE).orElse(false), "the next result stored");
    } finally {
      caller.shutdownNow();
    }
    assertThat(store.inner.reopen().get(DeduceRuntime.requestIdFor(MODEL, "doomed"))).isEmpty();
    assertThat(store.completions).doesNotContainKey(DeduceRuntime.requestIdFor(MODEL, "doomed"));
  }

  @Test
  void underConcurrentLoadNoResultReachesTheStoreBeforeItsRequestsAppend() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    store.checkOrder = true;
    int total = 2_000;
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().queueCapacity(total).maxBatchSize(16)
          .instances(2).build());
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        int base = i;
        futures.add(CompletableFuture.supplyAsync(() -> rt.submit(MODEL, rows(1, base, 4)), callers)
            .thenCompose(x -> x));
      }
      for (CompletableFuture<InferenceResult> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
    // each request reached the store either as an append and then its result, or once with its result
    assertThat(store.appended.size() + store.storedWhole.size()).isEqualTo(total);
    assertThat(store.appended).doesNotContainAnyElementsOf(store.storedWhole);
    assertThat(store.completions).hasSize(total).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    assertThat(store.appendAfterResult).isEmpty();
    assertThat(store.inner.reopen().pending()).isEmpty();
  }

  @Test
  void aRequestThatComputedWhileItsAppendWaitedIsStoredWithItsResultInOneWrite() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    secondRequestComputesWhileTheWriterIsHeld(store,
        second -> assertThat(second).as("acknowledged before the store held the request").isNotDone(), () -> { });
    String secondId = DeduceRuntime.requestIdFor(MODEL, "second");
    assertThat(store.storedWhole).containsExactly(secondId);
    assertThat(store.appended).doesNotContain(secondId);
    assertThat(store.completions).containsEntry(secondId, 1);
    assertThat(store.inner.reopen().get(secondId)).hasValueSatisfying(x -> {
      assertThat(x.status()).isEqualTo(RequestStatus.DONE);
      assertThat(x.outputs().get("y").toFloatArray()).containsExactly(doubled(1, 2, 4));
    });
  }

  @Test
  void aGroupWaitsForTheResultsOfAFastModelSoEachRequestIsStoredOnceWithItsResult() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    store.checkOrder = true;
    // a long wait: the doubler's results always come within it, however slow this machine is today
    RuntimeSettings s = settings(Map.of("deduce.store.group-commit-result-wait", "30s"));
    try (DeduceRuntime rt = Fixtures.runtime().settings(s).store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      for (int i = 0; i < 20; i++) {
        InferenceResult r = rt.submit(MODEL, null, rows(1, i, 4), key("fast-" + i)).get(10, TimeUnit.SECONDS);
        assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, i, 4));
      }
    }
    assertThat(store.appended).as("no request written bare, then again with its result").isEmpty();
    assertThat(store.storedWhole).hasSize(20);
    assertThat(store.completions).hasSize(20).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    assertThat(store.inner.reopen().pending()).isEmpty();
  }

  @Test
  void aFailedWriteOfRequestsWithTheirResultsFallsBackToAppendThenCompleteAndLosesNothing() throws Exception {
    TestStore store = new TestStore(new MemoryStore());
    String secondId = DeduceRuntime.requestIdFor(MODEL, "second");
    secondRequestComputesWhileTheWriterIsHeld(store,
        second -> store.failCompletes.set(1), // the one write of the second request with its result
        () -> Fixtures.eventually(() -> store.get(secondId).map(x -> x.status() == RequestStatus.DONE)
            .orElse(false), "the second result stored after its append"));
    assertThat(store.appended).contains(secondId);
    assertThat(store.storedWhole).isEmpty();
    assertThat(store.appendAfterResult).isEmpty();
  }

  /**
   * Holds the store writer in a first request's append while a second request computes, runs {@code beforeRelease}
   * with the second's answer, lets the writer go, checks both answers, then runs {@code whileOpen} before closing.
   */
  private static void secondRequestComputesWhileTheWriterIsHeld(TestStore store,
      Consumer<CompletableFuture<InferenceResult>> beforeRelease, Runnable whileOpen) throws Exception {
    store.checkOrder = true;
    TestModel model = new TestModel(Fixtures.doublerModel());
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try (DeduceRuntime rt = Fixtures.runtime().settings(bareAppends()).store(store).durability(Durability.DURABLE)
        .build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      CountDownLatch disk = new CountDownLatch(1);
      store.appendStall = disk;
      CompletableFuture<InferenceResult> first = CompletableFuture.supplyAsync(
          () -> rt.submit(MODEL, null, rows(1, 1, 4), key("first")), callers).thenCompose(x -> x);
      Fixtures.eventually(() -> store.stalledAppends.get() == 1 && model.calls.get() == 1,
          "the first append holds the writer and the first request ran (alone, not batched with the second)");
      CompletableFuture<InferenceResult> second = CompletableFuture.supplyAsync(
          () -> rt.submit(MODEL, null, rows(1, 2, 4), key("second")), callers).thenCompose(x -> x);
      Fixtures.eventually(() -> model.calls.get() == 2, "the second request computed while its append waited");
      beforeRelease.accept(second);
      store.appendStall = null;
      disk.countDown();
      assertThat(second.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(1, 2, 4));
      first.get(10, TimeUnit.SECONDS);
      whileOpen.run();
    } finally {
      callers.shutdownNow();
    }
  }
}
