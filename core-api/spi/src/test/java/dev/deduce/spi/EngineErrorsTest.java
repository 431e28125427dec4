package dev.deduce.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EngineErrorsTest {

  // the shape of a TorchScript error as PyTorch raises it through DJL
  static final String TORCHSCRIPT = """
      The following operation failed in the TorchScript interpreter.
      Traceback of TorchScript, serialized code (most recent call last):
        File "code/__torch__/model.py", line 10, in forward
          emb = self.emb
          return (emb).forward(input_ids, )
                  ~~~~~~~~~~~~ <--- HERE
      Traceback of TorchScript, original code (most recent call last):
        File "model.py", line 7, in forward
          return self.emb(input_ids)
      RuntimeError: Expected tensor for argument #1 'indices' to have one of the following scalar types: \
      Long, Int; but got CPUFloatType instead (while checking arguments for embedding)
      """;

  @Test
  void aTorchScriptErrorKeepsItsRootCauseAndDropsTheTraceback() {
    String reason = EngineErrors.reason(new RuntimeException("wrapper", new IllegalStateException(TORCHSCRIPT)));

    assertThat(reason).isEqualTo("The following operation failed in the TorchScript interpreter. | RuntimeError: "
        + "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
        + "CPUFloatType instead (while checking arguments for embedding)");
  }

  @Test
  void theLinesAfterTheFirstAreKeptOnOneLine() {
    String onnx = "[ErrorCode:InvalidArgument] Got invalid dimensions for input: x for the following indices\n"
        + " index: 1 Got: 3 Expected: 4\n Please fix either the inputs or the model.";

    assertThat(EngineErrors.reason(new RuntimeException(onnx))).isEqualTo("[ErrorCode:InvalidArgument] Got invalid "
        + "dimensions for input: x for the following indices | index: 1 Got: 3 Expected: 4 | Please fix either the "
        + "inputs or the model.");
  }

  @Test
  void aVeryLongReasonKeepsItsStartAndItsEnd() {
    String reason = EngineErrors.oneLine("start " + "x".repeat(10_000) + " the root cause");

    assertThat(reason).hasSize(EngineErrors.MAX_REASON_CHARS).startsWith("start ").endsWith(" the root cause")
        .contains(" … ");
  }

  @Test
  void anErrorWithoutAMessageIsNamedByItsClass() {
    assertThat(EngineErrors.reason(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
  }
}
