package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.OverloadedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One caller's bad input is that caller's error: never its batch-mates', never the circuit breaker's. */
class FailureIsolationTest {

  /** Rows starting at this value make the model fail, as an engine fails on an out-of-range token id. */
  private static final float POISON = -999f;

  private static TestModel poisonable(Class<? extends RuntimeException> kind) {
    return new TestModel(Fixtures.doublerModel()).failingOn((n, in) -> poisoned(in)
        ? kind == InvalidInputException.class ? new InvalidInputException("Gather: index 99 is out of range")
        : new EngineException("Non-zero status code returned while running Gather: index 99 out of data bounds")
        : null);
  }

  private static boolean poisoned(NamedTensors in) {
    for (float f : in.get("x").toFloatArray()) {
      if (f == POISON) {
        return true;
      }
    }
    return false;
  }

  /** Holds the engine with one request, queues {@code n} more (the one at {@code bad} poisoned), then lets them run. */
  private static List<CompletableFuture<InferenceResult>> batchWithOnePoisoned(DeduceRuntime rt, TestModel model,
      int n, int bad) throws Exception {
    CompletableFuture<InferenceResult> first = rt.submit(MODEL, rows(1, 0, 4));
    model.awaitHeld();
    List<CompletableFuture<InferenceResult>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(rt.submit(MODEL, i == bad ? rows(1, POISON, 4) : rows(1, i * 10f, 4)));
    }
    model.release();
    first.get(10, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void anEngineFailureOnOneRequestsInputFailsOnlyThatRequestAsInvalidInput() throws Exception {
    TestModel model = poisonable(EngineException.class).holdCall(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(8).maxQueueDelay(Duration.ofMillis(50)).build());
      List<CompletableFuture<InferenceResult>> futures = batchWithOnePoisoned(rt, model, 8, 5);
      for (int i = 0; i < 8; i++) {
        if (i == 5) {
          int at = i;
          assertThatThrownBy(() -> futures.get(at).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
              .cause().isInstanceOf(InvalidInputException.class)
              .hasMessageContaining("failed on the input of request")
              .hasMessageContaining("index 99 out of data bounds")
              .hasMessageContaining("does not count against the model");
        } else {
          assertThat(futures.get(i).get(10, TimeUnit.SECONDS).output("y").toFloatArray())
              .containsExactly(doubled(1, i * 10f, 4));
        }
      }
      // the batch of 8, then halves and quarters down to the poisoned request: [4], [4] -> [2], [2] -> [1], [1]
      assertThat(model.batchRows.subList(1, model.batchRows.size())).containsExactly(8L, 4L, 4L, 2L, 2L, 1L, 1L);
      assertThat(registry.get("deduce.circuit.state").tag("model", MODEL).gauge().value()).isZero();
    }
  }

  @Test
  void anEngineRefusalOfOneRequestInABatchFailsOnlyThatRequest() throws Exception {
    TestModel model = poisonable(InvalidInputException.class).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(4).maxQueueDelay(Duration.ofMillis(50)).build());
      List<CompletableFuture<InferenceResult>> futures = batchWithOnePoisoned(rt, model, 4, 0);
      assertThatThrownBy(() -> futures.get(0).get(10, TimeUnit.SECONDS)).cause()
          .isInstanceOf(InvalidInputException.class).hasMessage("Gather: index 99 is out of range");
      for (int i = 1; i < 4; i++) {
        assertThat(futures.get(i).get(10, TimeUnit.SECONDS).output("y").toFloatArray())
            .containsExactly(doubled(1, i * 10f, 4));
      }
    }
  }

  @Test
  void repeatedBadInputsNeverOpenTheBreakerWhenTheProbeInputStillRuns() {
    TestModel model = poisonable(EngineException.class);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().breakerMinimumCalls(4).breakerSlidingWindowSize(4)
          .warmUp(List.of(rows(1, 1, 4))).build());
      for (int i = 0; i < 12; i++) {
        assertThatThrownBy(() -> rt.infer(MODEL, rows(1, POISON, 4))).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("index 99 out of data bounds");
      }
      assertThat(registry.get("deduce.circuit.state").tag("model", MODEL).gauge().value()).isZero();
      assertThat(rt.infer(MODEL, rows(1, 3, 4)).output("y").toFloatArray()).containsExactly(doubled(1, 3, 4));
    }
  }

  @Test
  void aBrokenEngineStillOpensTheBreakerAndFailsAsAnEngineError() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().breakerMinimumCalls(4).breakerSlidingWindowSize(4)
          .breakerOpenWait(Duration.ofMinutes(1)).warmUp(List.of(rows(1, 1, 4))).build());
      model.failing(n -> new EngineException("device lost"));
      for (int i = 0; i < 4; i++) {
        assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 4))).isInstanceOf(EngineException.class)
            .hasMessage("device lost");
      }
      assertThat(registry.get("deduce.circuit.state").tag("model", MODEL).gauge().value()).isEqualTo(1.0);
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 4))).isInstanceOf(OverloadedException.class);
    }
  }

  @Test
  void aBatchOnABrokenEngineStopsSearchingOnceTheProbeFails() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().maxBatchSize(8).maxQueueDelay(Duration.ofMillis(50))
          .warmUp(List.of(rows(1, 1, 4))).build());
      int warmUpRuns = model.calls.get();
      model.holdCall(warmUpRuns + 1);
      model.failing(n -> n > warmUpRuns + 1 ? new EngineException("device lost") : null);
      List<CompletableFuture<InferenceResult>> futures = batchWithOnePoisoned(rt, model, 8, -1);
      for (CompletableFuture<InferenceResult> f : futures) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(EngineException.class)
            .hasMessage("device lost");
      }
      // the held run, the batch of 8, its two halves, then the probe: no further search
      assertThat(model.calls.get() - warmUpRuns).isEqualTo(5);
    }
  }
}
