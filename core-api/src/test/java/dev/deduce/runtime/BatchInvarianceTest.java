package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The deploy-time check that batching leaves answers unchanged, and what a version that fails it does. */
class BatchInvarianceTest {

  private static ModelSettings.Builder checked() {
    return Fixtures.settings().checkInvariance(true).maxBatchSize(8).maxQueueDelay(Duration.ofMillis(50));
  }

  @Test
  void aModelWhoseAnswersDependOnTheBatchIsServedUnbatchedAndSaysSoInStatusHealthAndMetrics() throws Exception {
    TestModel model = new TestModel(new BatchNormalisingModel());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy("norm", "1", model, checked().build());
      BatchingStatus status = rt.batching("norm", null);
      assertThat(status.batched()).isFalse();
      assertThat(status.note()).hasValueSatisfying(n -> assertThat(n)
          .contains("model 'norm' version '1' is served unbatched")
          .contains("answers differently in a batch than alone")
          .contains("output 'y' of row 0 differs by"));
      assertThat(rt.notes()).containsExactly(status.note().orElseThrow());
      assertThat(registry.get("deduce.batching").tag("model", "norm").gauge().value()).isZero();

      int before = model.calls.get();
      model.holdCall(before + 1);
      CompletableFuture<InferenceResult> first = rt.submit("norm", rows(1, 0, 4));
      model.awaitHeld();
      List<CompletableFuture<InferenceResult>> queued = new ArrayList<>();
      for (int i = 1; i <= 4; i++) {
        queued.add(rt.submit("norm", rows(1, i * 10f, 4)));
      }
      model.release();
      first.get(10, TimeUnit.SECONDS);
      for (CompletableFuture<InferenceResult> f : queued) {
        // alone, every row answers x - x + 1
        assertThat(f.get(10, TimeUnit.SECONDS).output("y").toFloatArray()).containsOnly(1f);
      }
      assertThat(model.batchRows.subList(before, model.batchRows.size())).containsOnly(1L);
    }
  }

  @Test
  void requireInvarianceMakesTheDeployOfABatchDependentModelFail() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      assertThatThrownBy(() -> rt.deploy("norm", "1", new BatchNormalisingModel(),
          checked().requireInvariance(true).build())).isInstanceOf(EngineException.class)
          .hasMessageContaining("answers differently in a batch than alone")
          .hasMessageContaining("batching.require-invariance = true");
      assertThat(rt.versions("norm")).isEmpty();
    }
  }

  @Test
  void aModelWhoseAnswersDoNotDependOnTheBatchStaysBatched() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(Fixtures.MODEL, "1", Fixtures.doublerModel(), checked().requireInvariance(true).build());
      assertThat(rt.batching(Fixtures.MODEL, "1")).isEqualTo(new BatchingStatus(true, java.util.Optional.empty(),
          java.util.Optional.empty()));
      assertThat(rt.notes()).isEmpty();
      assertThat(registry.get("deduce.batching").tag("model", Fixtures.MODEL).gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void turningBatchingOffNeedsNoCheckAndNotesNothing() {
    TestModel model = new TestModel(new BatchNormalisingModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("norm", "1", model, checked().batchingEnabled(false).requireInvariance(true).build());
      assertThat(rt.batching("norm", "1").batched()).isFalse();
      assertThat(rt.batching("norm", "1").note()).isEmpty();
      assertThat(model.calls.get()).isZero();
    }
  }
}
