package dev.deduce.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batching a BERT-like ONNX model through the runtime: padding along its named sequence dimension, bad token ids. */
class OnnxBatchingTest {

  @TempDir
  Path dir;

  private static final Map<String, Integer> PAD = Map.of("input_ids", 0, "attention_mask", 0);

  private static DeduceRuntime runtime(SimpleMeterRegistry registry) {
    return DeduceRuntime.builder().settings(RuntimeSettings.defaults()).durability(Durability.NONE)
        .engine(new OnnxEngine()).meterRegistry(registry).build();
  }

  private static ModelSettings.Builder settings() {
    return ModelSettings.builder().maxBatchSize(16).maxQueueDelay(Duration.ofMillis(20)).instances(1);
  }

  @Test
  void paddedBatchesOfRequestsOfDifferentLengthsAgreeWithEachRequestRunAlone() throws Exception {
    Path file = BertLike.write(dir);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = runtime(registry);
        LoadedModel alone = new OnnxEngine().load(ModelSource.of("bert", "1", file, "onnx"))) {
      // the deploy-time check runs padded batches too, and must pass: require it
      rt.deploy("bert", "1", ModelSource.of("bert", "1", file, "onnx"), settings().pad("sequence", PAD, List.of())
          .requireInvariance(true).build());
      assertThat(rt.batching("bert", null).paddedDim()).contains("sequence");
      List<NamedTensors> requests = new ArrayList<>();
      List<CompletableFuture<InferenceResult>> futures = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        NamedTensors r = BertLike.request(2 + i % 9, i);
        requests.add(r);
        futures.add(rt.submit("bert", r));
      }
      for (int i = 0; i < requests.size(); i++) {
        InferenceResult got = futures.get(i).get(30, TimeUnit.SECONDS);
        Tolerance.assertMatches(got.outputs(), alone.run(requests.get(i)), "request " + i + " padded in a batch");
      }
      assertThat(registry.get("deduce.batch.size").tag("model", "bert").summary().max())
          .as("requests of different lengths shared engine runs").isGreaterThan(1);
    }
  }

  @Test
  void aTokenIdOutsideTheVocabularyFailsOnlyItsRequestAndNeverOpensTheBreaker() throws Exception {
    Path file = BertLike.write(dir);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = runtime(registry)) {
      rt.deploy("bert", "1", ModelSource.of("bert", "1", file, "onnx"), settings().pad("sequence", PAD, List.of())
          .breakerMinimumCalls(4).breakerSlidingWindowSize(4).build());
      NamedTensors poisoned = NamedTensors.of("input_ids", Tensor.ofLongs(new long[] {1, 99, 2}, 1, 3),
          "attention_mask", Tensor.ofLongs(new long[] {1, 1, 1}, 1, 3));
      List<CompletableFuture<InferenceResult>> good = new ArrayList<>();
      List<CompletableFuture<InferenceResult>> bad = new ArrayList<>();
      for (int i = 0; i < 36; i++) {
        if (i % 3 == 1) {
          bad.add(rt.submit("bert", poisoned));
        } else {
          good.add(rt.submit("bert", BertLike.request(3 + i % 4, i)));
        }
      }
      for (CompletableFuture<InferenceResult> f : good) {
        assertThat(f.get(30, TimeUnit.SECONDS).output("pooled").shape()).containsExactly(1, BertLike.HIDDEN);
      }
      for (CompletableFuture<InferenceResult> f : bad) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("Gather");
      }
      assertThat(registry.get("deduce.circuit.state").tag("model", "bert").gauge().value()).isZero();
      assertThat(rt.infer("bert", BertLike.request(4, 7)).output("pooled").shape()).containsExactly(1,
          BertLike.HIDDEN);
    }
  }
}
