package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.TransientEngineException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** infer() runs a request on its own thread when nothing is queued and an instance is idle; nothing else changes. */
class CallerRunsTest {

  private static ModelSettings.Builder unbatched() {
    return Fixtures.settings().batchingEnabled(false);
  }

  @Test
  void inferRunsOnTheCallingThreadWhenNothingIsQueuedAndAnInstanceIsIdle() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, unbatched().build());
      InferenceResult r = rt.infer(MODEL, rows(1, 3, 4));
      assertThat(r.output("y").toFloatArray()).containsExactly(Fixtures.doubled(1, 3, 4));
      assertThat(r.batchSize()).isEqualTo(1);
      assertThat(r.attempts()).isEqualTo(1);
      assertThat(model.threads).containsExactly(Thread.currentThread().getName());
      assertThat(registry.get("deduce.requests").tag("outcome", "done").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("deduce.request").tag("model", MODEL).timer().count()).isEqualTo(1);
      assertThat(registry.get("deduce.compute").tag("model", MODEL).timer().count()).isEqualTo(1);
    }
  }

  @Test
  void aZeroQueueDelayAlsoLetsTheCallerRun() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxQueueDelay(Duration.ZERO).build());
      rt.infer(MODEL, rows(1, 3, 4));
      assertThat(model.threads).containsExactly(Thread.currentThread().getName());
    }
  }

  @Test
  void submitNeverRunsOnItsCaller() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, unbatched().build());
      rt.submit(MODEL, rows(1, 3, 4)).get(10, TimeUnit.SECONDS);
      assertThat(model.threads).singleElement().asString().startsWith("deduce-" + MODEL + "-1-");
    }
  }

  @Test
  void aBatcherWaitingForCompanyKeepsTheRequestOnAWorker() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxQueueDelay(Duration.ofMillis(1)).build());
      rt.infer(MODEL, rows(1, 3, 4));
      assertThat(model.threads).singleElement().asString().startsWith("deduce-" + MODEL + "-1-");
    }
  }

  @Test
  void durableInferIsStoredThenRunByAWorker() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    TestStore store = new TestStore(new MemoryStore());
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, unbatched().build());
      InferenceResult r = rt.infer(MODEL, rows(1, 3, 4));
      assertThat(store.appendCalls.get()).isEqualTo(1);
      assertThat(model.threads).singleElement().asString().startsWith("deduce-" + MODEL + "-1-");
      Fixtures.eventually(() -> store.completions.getOrDefault(r.requestId(), 0) == 1, "result stored");
    }
  }

  @Test
  void aResultsModeCallerRunStoresItsResultOnce() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    TestStore store = new TestStore(new MemoryStore());
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.RESULTS).build()) {
      rt.deploy(MODEL, "1", model, unbatched().build());
      InferenceResult r = rt.infer(MODEL, rows(1, 3, 4));
      assertThat(model.threads).containsExactly(Thread.currentThread().getName());
      Fixtures.eventually(() -> store.completions.getOrDefault(r.requestId(), 0) == 1, "result stored");
    }
    assertThat(store.completions).hasSize(1);
  }

  @Test
  void aCallerRunHoldsItsInstanceSoAQueuedRequestWaitsForIt() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, unbatched().instances(1).build());
      CompletableFuture<InferenceResult> caller = CompletableFuture.supplyAsync(() -> rt.infer(MODEL, rows(1, 0, 4)));
      model.awaitHeld();
      CompletableFuture<InferenceResult> queued = rt.submit(MODEL, rows(1, 10, 4));
      Thread.sleep(100); // the worker would have run it by now if the caller's instance were free
      assertThat(model.calls.get()).isEqualTo(1);
      model.release();
      assertThat(caller.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(
          Fixtures.doubled(1, 0, 4));
      assertThat(queued.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(
          Fixtures.doubled(1, 10, 4));
      assertThat(model.maxConcurrent.get()).isEqualTo(1);
      assertThat(model.threads.get(1)).startsWith("deduce-" + MODEL + "-1-");
    }
  }

  @Test
  void aCallerQueuesBehindRequestsAlreadyWaitingAndRunsInOrder() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, unbatched().instances(1).build());
      CompletableFuture<InferenceResult> first = rt.submit(MODEL, rows(1, 0, 4));
      model.awaitHeld();
      CompletableFuture<InferenceResult> second = rt.submit(MODEL, rows(1, 10, 4));
      CompletableFuture<InferenceResult> third = CompletableFuture.supplyAsync(() -> rt.infer(MODEL, rows(1, 20, 4)));
      Fixtures.eventually(() -> rt.meterRegistry().get("deduce.queue.depth").gauge().value() == 2.0,
          "the second and third request queued");
      model.release();
      List<Float> firstValues = new ArrayList<>();
      for (CompletableFuture<InferenceResult> f : List.of(first, second, third)) {
        firstValues.add(f.get(10, TimeUnit.SECONDS).output("y").toFloatArray()[0]);
      }
      assertThat(firstValues).containsExactly(0f, 20f, 40f);
      assertThat(model.batchRows).hasSize(3);
      assertThat(model.threads).allMatch(t -> t.startsWith("deduce-" + MODEL + "-1-"));
    }
  }

  @Test
  void retiringWaitsForARequestRunningOnItsCaller() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, unbatched().build());
      CompletableFuture<InferenceResult> caller = CompletableFuture.supplyAsync(() -> rt.infer(MODEL, rows(1, 0, 4)));
      model.awaitHeld();
      CompletableFuture<Void> retired = rt.retire(MODEL, "1");
      Thread.sleep(100); // retirement would have closed the model by now if it ignored the caller's run
      assertThat(retired).isNotDone();
      assertThat(model.closed).isFalse();
      model.release();
      assertThat(caller.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(
          Fixtures.doubled(1, 0, 4));
      retired.get(10, TimeUnit.SECONDS);
      assertThat(model.closed).isTrue();
    }
  }

  @Test
  void aTransientFailureIsRetriedOnTheCallingThread() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> n == 1 ? new TransientEngineException("device busy on run " + n) : null);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, unbatched().retryMaxAttempts(3).build());
      InferenceResult r = rt.infer(MODEL, rows(1, 5, 4));
      assertThat(r.attempts()).isEqualTo(2);
      String me = Thread.currentThread().getName();
      assertThat(model.threads).containsExactly(me, me);
      assertThat(registry.get("deduce.retries").tag("model", MODEL).counter().count()).isEqualTo(1.0);
    }
  }
}
