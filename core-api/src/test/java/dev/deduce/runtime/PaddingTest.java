package dev.deduce.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.InferenceResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code batching.pad}: requests of different lengths share a batch and get their own lengths back. */
class PaddingTest {

  private static final Map<String, Integer> ZEROS = Map.of("input_ids", 0, "attention_mask", 0);

  private static ModelSettings.Builder padded(List<Integer> lengths) {
    return Fixtures.settings().checkInvariance(true).maxBatchSize(8).maxQueueDelay(Duration.ofMillis(50))
        .pad("sequence", ZEROS, lengths);
  }

  /** Holds the engine with one request, queues one request per length, lets them run; returns their results. */
  private static List<InferenceResult> queuedTogether(DeduceRuntime rt, TestModel held, int... lengths)
      throws Exception {
    held.holdCall(held.calls.get() + 1);
    CompletableFuture<InferenceResult> first = rt.submit("seq", SequenceModel.request(2, 1));
    held.awaitHeld();
    List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
    for (int i = 0; i < lengths.length; i++) {
      futures.add(rt.submit("seq", SequenceModel.request(lengths[i], 10 * (i + 1))));
    }
    held.release();
    first.get(10, TimeUnit.SECONDS);
    List<InferenceResult> out = new ArrayList<>();
    for (CompletableFuture<InferenceResult> f : futures) {
      out.add(f.get(10, TimeUnit.SECONDS));
    }
    return out;
  }

  @Test
  void requestsOfDifferentLengthsShareOnePaddedRunAndEachGetsItsOwnLengthBack() throws Exception {
    SequenceModel inner = new SequenceModel(true);
    TestModel model = new TestModel(inner);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("seq", "1", model, padded(List.of()).build());
      assertThat(rt.batching("seq", "1").paddedDim()).contains("sequence");
      assertThat(rt.batching("seq", "1").batched()).isTrue();
      List<InferenceResult> results = queuedTogether(rt, model, 3, 7, 5);
      int[] lengths = {3, 7, 5};
      for (int i = 0; i < 3; i++) {
        long first = 10L * (i + 1);
        float[] tokens = new float[lengths[i]];
        for (int k = 0; k < lengths[i]; k++) {
          tokens[k] = (first + k) * 0.5f;
        }
        assertThat(results.get(i).output("tokens").shape()).containsExactly(1, lengths[i]);
        assertThat(results.get(i).output("tokens").toFloatArray()).containsExactly(tokens);
        assertThat(results.get(i).output("mean").toFloatArray()).containsExactly(first + (lengths[i] - 1) / 2f);
      }
      assertThat(inner.runs.get(inner.runs.size() - 1)).containsExactly(3L, 7L);
    }
  }

  @Test
  void bucketLengthsPadABatchToTheSmallestThatFits() throws Exception {
    SequenceModel inner = new SequenceModel(true);
    TestModel model = new TestModel(inner);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("seq", "1", model, padded(List.of(4, 8, 16)).build());
      List<InferenceResult> results = queuedTogether(rt, model, 3, 5);
      assertThat(inner.runs.get(inner.runs.size() - 1)).containsExactly(2L, 8L);
      assertThat(results.get(1).output("tokens").shape()).containsExactly(1, 5);
      assertThat(results.get(1).output("mean").toFloatArray()).containsExactly(22f);
    }
  }

  @Test
  void aModelThatIgnoresTheMaskFailsThePaddedInvarianceCheckAndIsServedUnbatched() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy("seq", "1", new SequenceModel(false), padded(List.of()).build());
      BatchingStatus status = rt.batching("seq", "1");
      assertThat(status.batched()).isFalse();
      assertThat(status.note()).hasValueSatisfying(n -> assertThat(n).contains("padded along 'sequence'"));
      assertThat(rt.infer("seq", SequenceModel.request(3, 10)).output("mean").toFloatArray()).containsExactly(11f);
    }
  }

  @Test
  void paddingThatDoesNotFitTheSignatureFailsTheDeploySayingWhatWasExpected() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      assertThatThrownBy(() -> rt.deploy("seq", "1", new SequenceModel(true), Fixtures.settings()
          .pad("seq", Map.of("input_ids", 0), List.of()).build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no input has a dimension of that name; expected one of the named dimensions"
              + " [batch, sequence]");
      assertThatThrownBy(() -> rt.deploy("seq", "2", new SequenceModel(true), Fixtures.settings()
          .pad("sequence", Map.of("input_ids", 0), List.of()).build())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no value for input 'attention_mask'");
    }
  }
}
