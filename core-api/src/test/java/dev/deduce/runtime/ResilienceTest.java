package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.Tensor;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TransientEngineException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ResilienceTest {

  @Test
  void transientFailureIsRetriedWithBackoffAndSucceeds() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> n <= 2 ? new TransientEngineException("device busy on run " + n) : null);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(3).build());
      InferenceResult r = rt.infer(MODEL, rows(1, 5, 4));
      assertThat(r.attempts()).isEqualTo(3);
      assertThat(r.output("y").toFloatArray()).containsExactly(Fixtures.doubled(1, 5, 4));
      assertThat(model.calls.get()).isEqualTo(3);
      assertThat(registry.get("deduce.retries").tag("model", MODEL).counter().count()).isEqualTo(2.0);
    }
  }

  @Test
  void retryFollowsTheErrorKindNotTheExceptionClass() {
    // a plain DeduceException of kind TRANSIENT_ENGINE is retried: ErrorKind.retryable() is the only retry predicate
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> n == 1 ? new DeduceException(ErrorKind.TRANSIENT_ENGINE, "device busy on run 1") : null);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(3).build());
      assertThat(rt.infer(MODEL, rows(1, 5, 4)).attempts()).isEqualTo(2);
      assertThat(model.calls.get()).isEqualTo(2);
    }
  }

  @Test
  void transientFailureBeyondMaxAttemptsFailsTheRequest() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> new TransientEngineException("device busy on run " + n));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(4).build());
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 5, 4))).isInstanceOf(TransientEngineException.class)
          .hasMessageContaining("device busy on run 4");
      assertThat(model.calls.get()).isEqualTo(4);
    }
  }

  @Test
  void invalidInputIsRejectedBeforeTheEngineAndNeverRetried() {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(5).build());
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 3))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("input 'x' has shape [1, 3]; expected [-1, 4]");
      assertThatThrownBy(() -> rt.infer(MODEL, NamedTensors.of("z", Tensor.ofFloats(new float[4], 1, 4))))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown input 'z'");
      assertThat(model.calls.get()).isZero();
    }
  }

  @Test
  void inputOverTheElementLimitIsRejected() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().maxElements(8).build());
      assertThat(rt.infer(MODEL, rows(2, 0, 4)).output("y").shape()).containsExactly(2, 4);
      assertThatThrownBy(() -> rt.infer(MODEL, rows(3, 0, 4))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("request holds 12 elements; expected at most 8");
    }
  }

  @Test
  void engineRejectingInputIsNotRetried() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> new InvalidInputException("engine refuses NaN in 'x'; expected finite values"));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(5).build());
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 4))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("engine refuses NaN");
      assertThat(model.calls.get()).isEqualTo(1);
    }
  }

  @Test
  void permanentEngineFailureIsNotRetried() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> new EngineException("kernel missing; expected a supported op"));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(5).build());
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 4))).isInstanceOf(EngineException.class)
          .hasMessageContaining("kernel missing");
      assertThat(model.calls.get()).isEqualTo(1);
    }
  }

  @Test
  void retriesNeverStartPastTheDeadline() {
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> new TransientEngineException("still busy"));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().retryMaxAttempts(50).retryJitter(0)
          .retryInitialBackoff(Duration.ofMillis(100)).retryMultiplier(1.0).retryMaxBackoff(Duration.ofMillis(100))
          .build());
      RequestOptions opts = RequestOptions.builder().timeout(Duration.ofMillis(350)).build();
      assertThatThrownBy(() -> rt.infer(MODEL, null, rows(1, 0, 4), opts))
          .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("another retry would pass the"
              + " request deadline").hasCauseInstanceOf(TransientEngineException.class);
      // 100 ms apart within 350 ms: at most 4 runs, because the retry refused to wait past the deadline
      // (wall time is not asserted: a loaded machine stretches it without the runtime being wrong)
      assertThat(model.calls.get()).isBetween(1, 4);
    }
  }

  @Test
  void circuitBreakerOpensOnFailuresRejectsFastThenRecovers() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean healthy = new java.util.concurrent.atomic.AtomicBoolean(false);
    TestModel model = new TestModel(Fixtures.doublerModel())
        .failing(n -> healthy.get() ? null : new EngineException("engine crashed"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).breakerMinimumCalls(4)
          .breakerSlidingWindowSize(4).breakerFailureRateThreshold(50).breakerHalfOpenCalls(1)
          .breakerOpenWait(Duration.ofMillis(300)).build());
      for (int i = 0; i < 4; i++) {
        assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 4))).isInstanceOf(EngineException.class);
      }
      var state = registry.get("deduce.circuit.state").tag("model", MODEL).tag("version", "1").gauge();
      assertThat(state.value()).isEqualTo(1.0);
      assertThatThrownBy(() -> rt.infer(MODEL, rows(1, 0, 4))).isInstanceOf(OverloadedException.class)
          .hasMessageContaining("circuit breaker of model 'doubler' version '1' is OPEN");
      assertThat(model.calls.get()).isEqualTo(4);

      healthy.set(true);
      Thread.sleep(350);
      assertThat(rt.infer(MODEL, rows(1, 2, 4)).output("y").toFloatArray()).containsExactly(Fixtures.doubled(1, 2, 4));
      assertThat(state.value()).isEqualTo(0.0);
      assertThat(model.calls.get()).isEqualTo(5);
    }
  }
}
