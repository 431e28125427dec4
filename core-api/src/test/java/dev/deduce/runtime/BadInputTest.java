package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.Tensor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Inputs a caller should not send: each is refused with what was wrong and what is allowed, or served as documented. */
class BadInputTest {

  private static NamedTensors withValue(float value) {
    return NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 2, value, 4}, 1, 4));
  }

  @Test
  void submitWithANullModelReturnsAFailedFutureInsteadOfThrowing() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());

      CompletableFuture<InferenceResult> f = rt.submit(null, null, rows(1, 0, 4), RequestOptions.defaults());

      assertThatThrownBy(f::join).hasCauseInstanceOf(InvalidInputException.class)
          .hasMessageContaining("model name is null; expected 1 to 256 characters without control characters");
      assertThatThrownBy(() -> rt.submit(MODEL, null, null, RequestOptions.defaults()).join())
          .hasCauseInstanceOf(InvalidInputException.class).hasMessageContaining("inputs are null");
    }
  }

  @Test
  void modelNamesWithControlCharactersOrPathSeparatorsAreRefusedSayingWhatIsAllowed() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      assertThatThrownBy(() -> rt.deploy("bad\u0000name", "1", Fixtures.doublerModel(), Fixtures.settings().build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model name 'bad\\u0000name' holds control character U+0000 at index 3")
          .hasMessageContaining("expected 1 to 256 characters without control characters, '/' or '\\'");
      assertThatThrownBy(() -> rt.deploy("../etc", "1", Fixtures.doublerModel(), Fixtures.settings().build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model name '../etc' is not allowed");
      assertThatThrownBy(() -> rt.deploy(MODEL, "1\n2", Fixtures.doublerModel(), Fixtures.settings().build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version '1\\u000a2' holds control");

      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      assertThatThrownBy(() -> rt.submit("a/b", null, rows(1, 0, 4), RequestOptions.defaults()).join())
          .hasCauseInstanceOf(InvalidInputException.class).hasMessageContaining("model name 'a/b' is not allowed");
      assertThatThrownBy(() -> rt.submit(MODEL, "1\u0007", rows(1, 0, 4), RequestOptions.defaults()).join())
          .hasCauseInstanceOf(InvalidInputException.class).hasMessageContaining("control character U+0007");
    }
  }

  @Test
  void idempotencyKeysWithControlCharactersAreRefusedAndSeparatorsAllowed() {
    assertThatThrownBy(() -> RequestOptions.builder().idempotencyKey("order\u000042"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idempotency key 'order\\u000042' holds control character U+0000 at index 5; expected "
            + "1 to 256 non-blank characters without control characters");
    assertThatThrownBy(() -> RequestOptions.builder().idempotencyKey(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has length 1 and is blank");
    assertThat(RequestOptions.builder().idempotencyKey("orders/42").build().idempotencyKey()).contains("orders/42");
  }

  @Test
  void aBatchedRequestWithZeroRowsIsRefusedClearly() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());

      assertThatThrownBy(() -> rt.infer(MODEL, NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 0, 4))))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("input 'x' has 0 rows (shape [0, 4]); expected at least 1 row");
    }
  }

  @Test
  void nonFiniteInputsAreServedByDefault() throws Exception {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());

      InferenceResult r = rt.submit(MODEL, withValue(Float.NaN)).get(10, TimeUnit.SECONDS);

      assertThat(r.output("y").toFloatArray()).containsExactly(2, 4, Float.NaN, 8);
      assertThat(ModelSettings.defaults().nonFiniteInputs()).isEqualTo(NonFiniteInputs.ALLOW);
    }
  }

  @Test
  void nonFiniteInputsAreRefusedNamingTheElementWhenTheModelRejectsThem() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().nonFiniteInputs(NonFiniteInputs.REJECT).build());

      assertThatThrownBy(() -> rt.infer(MODEL, withValue(Float.POSITIVE_INFINITY)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("input 'x' holds Infinity at flat index 2 (shape [1, 4]); expected finite values");
      assertThatThrownBy(() -> rt.infer(MODEL, withValue(Float.NaN))).hasMessageContaining("holds NaN");
      assertThat(model.calls.get()).isZero();
      assertThat(rt.infer(MODEL, rows(1, 0, 4)).output("y").toFloatArray()).containsExactly(doubled(1, 0, 4));
    }
  }

  @Test
  void theNonFiniteInputsPolicyIsAModelSettingBoundFromConfig() {
    RuntimeSettings s = RuntimeSettings.load(java.util.Map.of("deduce.models.strict.non-finite-inputs", "reject"));
    assertThat(s.model("strict").nonFiniteInputs()).isEqualTo(NonFiniteInputs.REJECT);
    assertThat(s.model("other").nonFiniteInputs()).isEqualTo(NonFiniteInputs.ALLOW);
    assertThatThrownBy(() -> RuntimeSettings.load(java.util.Map.of("deduce.defaults.non-finite-inputs", "drop")))
        .hasMessageContaining("non-finite-inputs");
  }
}
