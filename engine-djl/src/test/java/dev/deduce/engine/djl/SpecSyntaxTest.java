package dev.deduce.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.TensorSpec;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SpecSyntaxTest {

  @Test
  void readsWhatTensorSpecPrints() {
    List<TensorSpec> specs = List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 16), TensorSpec.of("label",
        DataType.INT64, -1), TensorSpec.of("scale", DataType.FLOAT64));
    String text = TorchScriptFixtures.specs(specs);
    assertThat(text).isEqualTo("x:FLOAT32[-1, 16]; label:INT64[-1]; scale:FLOAT64[]");
    assertThat(SpecSyntax.parse(text)).isEqualTo(specs);
  }

  @Test
  void toleratesSpacingCaseAndATrailingSeparator() {
    assertThat(SpecSyntax.parse(" input ids : int32 [ -1 , 8 ] ;"))
        .containsExactly(TensorSpec.of("input ids", DataType.INT32, -1, 8));
  }

  @Test
  void aNamedDimensionIsDynamicAndKeepsItsName() {
    List<TensorSpec> specs = SpecSyntax.parse("input_ids:INT64[batch, sequence]; attention_mask:INT64[-1,sequence]");
    assertThat(specs.get(0).shape()).containsExactly(-1, -1);
    assertThat(specs.get(0).dimNames()).containsExactly("batch", "sequence");
    assertThat(specs.get(1).dimName(0)).isEmpty();
    assertThat(specs.get(1).dimName(1)).contains("sequence");
    assertThat(SpecSyntax.parse(TorchScriptFixtures.specs(specs))).isEqualTo(specs);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "x[-1,16]|expected name:DTYPE[dims]",
      "x:FLOAT32|expected name:DTYPE[dims]",
      "x:FLOAT16[-1]|dtype FLOAT16",
      "x:FLOAT32[-1,1.5]|dimension '1.5'",
      "x:FLOAT32[-1,seq-len]|dimension 'seq-len'",
      "x:FLOAT32[-2]|dimension -2",
      "' ; '|names no tensor"})
  void malformedSpecSaysWhatWasExpected(String text, String expected) {
    assertThatThrownBy(() -> SpecSyntax.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(expected);
  }
}
