package dev.deduce.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ErrorKindTest {

  private static final Map<ErrorKind, Class<? extends DeduceException>> CLASSES = Map.of(
      ErrorKind.INVALID_INPUT, InvalidInputException.class,
      ErrorKind.MODEL_LOAD, ModelLoadException.class,
      ErrorKind.MODEL_NOT_FOUND, ModelNotFoundException.class,
      ErrorKind.TRANSIENT_ENGINE, TransientEngineException.class,
      ErrorKind.ENGINE, EngineException.class,
      ErrorKind.STORE, StoreException.class,
      ErrorKind.OVERLOADED, OverloadedException.class,
      ErrorKind.DEADLINE_EXCEEDED, DeadlineExceededException.class);

  @Test
  void everyKindBuildsItsOwnExceptionClassCarryingTheKindAndTheMessage() {
    assertThat(CLASSES.keySet()).isEqualTo(EnumSet.allOf(ErrorKind.class));
    for (ErrorKind kind : ErrorKind.values()) {
      DeduceException e = kind.exception("what went wrong");
      assertThat(e).as("exception of %s", kind).isExactlyInstanceOf(CLASSES.get(kind));
      assertThat(e.kind()).isEqualTo(kind);
      assertThat(e).hasMessage("what went wrong");
    }
  }

  @Test
  void aModelLoadFailureRebuiltFromItsMessageHasNoPath() {
    ModelLoadException e = (ModelLoadException) ErrorKind.MODEL_LOAD.exception("cannot load model m.onnx: empty");
    assertThat(e.path()).isNull();
    assertThat(e).hasMessage("cannot load model m.onnx: empty");
  }

  @Test
  void onlyTransientEngineFailuresAreRetryable() {
    assertThat(Arrays.stream(ErrorKind.values()).filter(ErrorKind::retryable).collect(Collectors.toSet()))
        .containsExactly(ErrorKind.TRANSIENT_ENGINE);
  }

  @Test
  void onlyEngineFailuresCountAgainstTheEnginesHealth() {
    assertThat(Arrays.stream(ErrorKind.values()).filter(ErrorKind::engineFailure).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(ErrorKind.ENGINE, ErrorKind.TRANSIENT_ENGINE);
  }
}
