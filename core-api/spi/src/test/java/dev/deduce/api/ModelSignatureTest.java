package dev.deduce.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSignatureTest {

  private final ModelSignature sig = new ModelSignature(
      List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 4), TensorSpec.of("ids", DataType.INT64, -1)),
      List.of(TensorSpec.of("y", DataType.FLOAT32, -1, 2)), true);

  private NamedTensors good(int rows) {
    return NamedTensors.of("x", Tensor.ofFloats(new float[rows * 4], rows, 4),
        "ids", Tensor.ofLongs(new long[rows], rows));
  }

  @Test
  void acceptsMatchingInputsOfAnyBatchSize() {
    assertThatCode(() -> sig.validate(good(1), 1000)).doesNotThrowAnyException();
    assertThatCode(() -> sig.validate(good(50), 1000)).doesNotThrowAnyException();
  }

  @Test
  void rejectsUnknownAndMissingNames() {
    NamedTensors extra = NamedTensors.builder().put("x", good(1).get("x")).put("ids", good(1).get("ids"))
        .put("z", Tensor.scalar(1)).build();
    assertThatThrownBy(() -> sig.validate(extra, 1000)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown input 'z'; expected inputs [x, ids]");
    assertThatThrownBy(() -> sig.validate(NamedTensors.of("x", good(1).get("x")), 1000))
        .hasMessageContaining("missing input 'ids'");
  }

  @Test
  void rejectsWrongDtypeRankAndFixedDimension() {
    assertThatThrownBy(() -> sig.validate(NamedTensors.of("x", Tensor.ofInts(new int[4], 1, 4),
        "ids", Tensor.ofLongs(new long[1], 1)), 1000))
        .hasMessageContaining("input 'x' is INT32; expected FLOAT32");
    assertThatThrownBy(() -> sig.validate(NamedTensors.of("x", Tensor.ofFloats(new float[4], 4),
        "ids", Tensor.ofLongs(new long[1], 1)), 1000))
        .hasMessageContaining("has rank 1").hasMessageContaining("expected rank 2");
    assertThatThrownBy(() -> sig.validate(NamedTensors.of("x", Tensor.ofFloats(new float[5], 1, 5),
        "ids", Tensor.ofLongs(new long[1], 1)), 1000))
        .hasMessageContaining("has shape [1, 5]; expected [-1, 4]");
  }

  @Test
  void rejectsInputsWithDifferentBatchSizes() {
    assertThatThrownBy(() -> sig.validate(NamedTensors.of("x", Tensor.ofFloats(new float[8], 2, 4),
        "ids", Tensor.ofLongs(new long[3], 3)), 1000))
        .hasMessageContaining("expected every input to have the same batch size");
  }

  @Test
  void rejectsOversizeRequests() {
    assertThatThrownBy(() -> sig.validate(good(100), 100))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("500 elements; expected at most 100");
  }

  @Test
  void rejectsInconsistentSignatures() {
    assertThatThrownBy(() -> new ModelSignature(List.of(), List.of(TensorSpec.of("y", DataType.BOOL, 1)), false))
        .hasMessageContaining("at least one input");
    assertThatThrownBy(() -> new ModelSignature(List.of(TensorSpec.of("s", DataType.FLOAT32)),
        List.of(TensorSpec.of("y", DataType.FLOAT32, -1)), true))
        .hasMessageContaining("'s' is rank 0, so the model cannot be batched");
    assertThatThrownBy(() -> TensorSpec.of("x", DataType.FLOAT32, -2))
        .hasMessageContaining("expected 0 or more, or -1 for dynamic");
  }

  @Test
  void batchedWhenDynamicOnlyWhenEveryDimensionZeroIsDynamic() {
    TensorSpec x = TensorSpec.of("x", DataType.FLOAT32, -1, 4);
    org.assertj.core.api.Assertions.assertThat(ModelSignature.batchedWhenDynamic(List.of(x),
        List.of(TensorSpec.of("y", DataType.INT64, -1))).batched()).isTrue();
    org.assertj.core.api.Assertions.assertThat(ModelSignature.batchedWhenDynamic(List.of(x),
        List.of(TensorSpec.of("y", DataType.INT64, 1))).batched()).isFalse();
    org.assertj.core.api.Assertions.assertThat(ModelSignature.batchedWhenDynamic(List.of(x),
        List.of(TensorSpec.of("n", DataType.INT64))).batched()).isFalse();
  }

  private final ModelSignature bert = new ModelSignature(List.of(
      new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1}, List.of("batch", "sequence")),
      new TensorSpec("attention_mask", DataType.INT64, new long[] {-1, -1}, List.of("batch", "sequence"))),
      List.of(TensorSpec.of("logits", DataType.FLOAT32, -1, 2)), true);

  private static NamedTensors idsAndMask(int idsLength, int maskLength) {
    return NamedTensors.of("input_ids", Tensor.ofLongs(new long[idsLength], 1, idsLength),
        "attention_mask", Tensor.ofLongs(new long[maskLength], 1, maskLength));
  }

  @Test
  void inputsSharingANamedDimensionMustAgreeAndTheErrorNamesBothAndTheDimension() {
    assertThatThrownBy(() -> bert.validate(idsAndMask(8, 5), 1000)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("inputs 'input_ids' and 'attention_mask' disagree on dimension 'sequence'")
        .hasMessageContaining("'input_ids' [1, 8] has 8 at index 1, 'attention_mask' [1, 5] has 5 at index 1");
  }

  @Test
  void aNamedDimensionMayTakeAnySizeFromRequestToRequest() {
    assertThatCode(() -> bert.validate(idsAndMask(8, 8), 1000)).doesNotThrowAnyException();
    assertThatCode(() -> bert.validate(idsAndMask(3, 3), 1000)).doesNotThrowAnyException();
  }

  @Test
  void onlyDynamicDimensionsMayBeNamedAndSpecsPrintTheirNames() {
    TensorSpec ids = new TensorSpec("ids", DataType.INT64, new long[] {-1, -1}, List.of("", "sequence"));
    assertThat(ids.toString()).isEqualTo("ids:INT64[-1, sequence]");
    assertThat(ids.dimIndex("sequence")).isEqualTo(1);
    assertThat(TensorSpec.of("x", DataType.FLOAT32, -1, 4).withDimName(0, "batch").dimNames())
        .containsExactly("batch", "");
    assertThatThrownBy(() -> new TensorSpec("x", DataType.FLOAT32, new long[] {-1, 4}, List.of("", "width")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("named 'width' but fixed at 4");
    assertThat(new TensorSpec("x", DataType.FLOAT32, new long[] {-1}, List.of(""))).isEqualTo(
        TensorSpec.of("x", DataType.FLOAT32, -1));
  }
}
