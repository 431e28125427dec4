package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.reference.ReferenceEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchingTest {

  @Test
  void batchesFormUpToMaxSizeAndEachCallerGetsItsOwnRows() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(8).maxQueueDelay(Duration.ofMillis(20)).build());
      CompletableFuture<InferenceResult> first = rt.submit(MODEL, rows(1, -100, 4));
      model.awaitHeld();
      // 32 callers on 8 threads queue up while the only instance is busy
      ExecutorService callers = Executors.newFixedThreadPool(8);
      List<CompletableFuture<CompletableFuture<InferenceResult>>> submitted = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        float base = i * 10f;
        submitted.add(CompletableFuture.supplyAsync(() -> rt.submit(MODEL, rows(1, base, 4)), callers));
      }
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
      for (var s : submitted) {
        futures.add(s.get(10, TimeUnit.SECONDS));
      }
      model.release();
      assertThat(first.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(1, -100, 4));
      for (int i = 0; i < 32; i++) {
        InferenceResult r = futures.get(i).get(10, TimeUnit.SECONDS);
        assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, i * 10f, 4));
        assertThat(r.output("y").shape()).containsExactly(1, 4);
      }
      callers.shutdown();
      assertThat(model.batchRows).allMatch(n -> n <= 8);
      // after the held run the 32 queued requests went in full batches of 8
      assertThat(model.batchRows.subList(1, 5)).containsExactly(8L, 8L, 8L, 8L);
    }
  }

  @Test
  void multiRowRequestsAreSplitBackByTheirRowCounts() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(16).maxQueueDelay(Duration.ofMillis(20)).build());
      CompletableFuture<InferenceResult> first = rt.submit(MODEL, rows(1, 0, 4));
      model.awaitHeld();
      CompletableFuture<InferenceResult> a = rt.submit(MODEL, rows(3, 100, 4));
      CompletableFuture<InferenceResult> b = rt.submit(MODEL, rows(1, 200, 4));
      CompletableFuture<InferenceResult> c = rt.submit(MODEL, rows(5, 300, 4));
      model.release();
      first.get(10, TimeUnit.SECONDS);
      assertThat(a.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(3, 100, 4));
      assertThat(b.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(1, 200, 4));
      assertThat(c.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsExactly(doubled(5, 300, 4));
      assertThat(c.get().batchSize()).isEqualTo(3);
      assertThat(model.batchRows).containsExactly(1L, 9L);
    }
  }

  @Test
  void preferredSizeIsSentWithoutWaitingForTheDelay() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      // a delay far longer than the test: only the preferred size can send these
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(8).preferredBatchSizes(List.of(4))
          .maxQueueDelay(Duration.ofSeconds(60)).build());
      // four rows in one request make a preferred size on their own
      CompletableFuture<InferenceResult> first = rt.submit(MODEL, rows(4, 0, 4));
      model.awaitHeld();
      List<CompletableFuture<InferenceResult>> four = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        four.add(rt.submit(MODEL, rows(1, i, 4)));
      }
      model.release();
      first.get(10, TimeUnit.SECONDS);
      for (var f : four) {
        assertThat(f.get(10, TimeUnit.SECONDS).batchSize()).isEqualTo(4);
      }
      assertThat(model.batchRows).containsExactly(4L, 4L);
    }
  }

  @Test
  void requestsWithDifferentNonBatchShapesAreNeverMixed() throws Exception {
    TestModel model = new TestModel(ReferenceEngine.wrap(Fixtures.ragged())).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("ragged", "1", model, Fixtures.settings().maxBatchSize(8).maxQueueDelay(Duration.ofMillis(20))
          .build());
      CompletableFuture<InferenceResult> first = rt.submit("ragged", rows(1, 0, 2));
      model.awaitHeld();
      List<CompletableFuture<InferenceResult>> narrow = new ArrayList<>();
      List<CompletableFuture<InferenceResult>> wide = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        narrow.add(rt.submit("ragged", rows(1, i * 10, 2)));
        wide.add(rt.submit("ragged", rows(1, i * 10, 3)));
      }
      model.release();
      first.get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        InferenceResult n = narrow.get(i).get(10, TimeUnit.SECONDS);
        InferenceResult w = wide.get(i).get(10, TimeUnit.SECONDS);
        assertThat(n.output("y").toFloatArray()).containsExactly(doubled(1, i * 10, 2));
        assertThat(w.output("y").toFloatArray()).containsExactly(doubled(1, i * 10, 3));
        assertThat(n.batchSize()).isEqualTo(3);
        assertThat(w.batchSize()).isEqualTo(3);
      }
      assertThat(model.batchRows).containsExactly(1L, 3L, 3L);
    }
  }

  @Test
  void batchingOffRunsOneRequestPerEngineRun() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).build());
      List<CompletableFuture<InferenceResult>> all = new ArrayList<>();
      all.add(rt.submit(MODEL, rows(1, 0, 4)));
      model.awaitHeld();
      for (int i = 1; i < 6; i++) {
        all.add(rt.submit(MODEL, rows(2, i, 4)));
      }
      model.release();
      for (var f : all) {
        assertThat(f.get(10, TimeUnit.SECONDS).batchSize()).isEqualTo(1);
      }
      assertThat(model.batchRows).containsExactly(1L, 2L, 2L, 2L, 2L, 2L);
    }
  }

  @Test
  void modelWhoseSignatureIsNotBatchedNeverBatches() throws Exception {
    ModelSignature batched = Fixtures.doubler().signature();
    ModelSignature unbatched = new ModelSignature(batched.inputs(), batched.outputs(), false);
    TestModel model = new TestModel(Fixtures.doublerModel(), unbatched).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(8).maxQueueDelay(Duration.ofMillis(20)).build());
      List<CompletableFuture<InferenceResult>> all = new ArrayList<>();
      all.add(rt.submit(MODEL, rows(1, 0, 4)));
      model.awaitHeld();
      for (int i = 1; i < 5; i++) {
        all.add(rt.submit(MODEL, rows(1, i, 4)));
      }
      model.release();
      for (int i = 0; i < all.size(); i++) {
        InferenceResult r = all.get(i).get(10, TimeUnit.SECONDS);
        assertThat(r.batchSize()).isEqualTo(1);
        assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, i == 0 ? 0 : i, 4));
      }
      assertThat(model.batchRows).hasSize(5).allMatch(n -> n == 1L);
    }
  }

  @Test
  void severalInstancesRunConcurrently() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().instances(2).batchingEnabled(false).build());
      CompletableFuture<InferenceResult> held = rt.submit(MODEL, rows(1, 0, 4));
      model.awaitHeld();
      // the second instance serves while the first is held
      NamedTensors in = rows(1, 7, 4);
      assertThat(rt.submit(MODEL, in).get(10, TimeUnit.SECONDS).output("y").toFloatArray())
          .containsExactly(doubled(1, 7, 4));
      assertThat(held).isNotDone();
      model.release();
      held.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRequestLargerThanMaxSizeRunsInPartsOfAtMostMaxSizeWithItsOutputsJoined() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(4).build());
      InferenceResult r = rt.infer(MODEL, rows(10, 0, 4));
      assertThat(r.output("y").shape()).containsExactly(10, 4);
      assertThat(r.output("y").toFloatArray()).containsExactly(doubled(10, 0, 4));
      assertThat(model.batchRows).containsExactly(4L, 4L, 2L);
    }
  }

  @Test
  void withBatchingOffALargeRequestRunsWholeAsSent() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).maxBatchSize(4).build());
      assertThat(rt.infer(MODEL, rows(10, 0, 4)).output("y").toFloatArray()).containsExactly(doubled(10, 0, 4));
      assertThat(model.batchRows).containsExactly(10L);
    }
  }
}
