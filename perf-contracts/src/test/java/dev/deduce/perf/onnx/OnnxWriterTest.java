package dev.deduce.perf.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.deduce.perf.modelkit.ModelKit;
import org.junit.jupiter.api.Test;

/** The ONNX bytes, read back field by field with protobuf-java's schema-less parser. */
class OnnxWriterTest {

  @Test
  void modelDeclaresIrVersionOpsetAndASymbolicBatch() throws InvalidProtocolBufferException {
    UnknownFieldSet model = UnknownFieldSet.parseFrom(new OnnxWriter().encode(ModelKit.mlpSmall().graph()));
    assertThat(model.getField(1).getVarintList()).containsExactly(7L);
    UnknownFieldSet opset = parse(model.getField(8).getLengthDelimitedList().get(0));
    assertThat(opset.getField(2).getVarintList()).containsExactly(13L);
    UnknownFieldSet graph = parse(model.getField(7).getLengthDelimitedList().get(0));
    assertThat(graph.getField(2).getLengthDelimitedList().get(0).toStringUtf8()).isEqualTo("mlp-small");
    // MatMul + Add per dense layer, then Relu and Softmax
    assertThat(graph.getField(1).getLengthDelimitedList()).hasSize(6);
    assertThat(graph.getField(5).getLengthDelimitedList()).hasSize(4);
    UnknownFieldSet input = parse(graph.getField(11).getLengthDelimitedList().get(0));
    UnknownFieldSet tensorType = parse(parse(input.getField(2).getLengthDelimitedList().get(0))
        .getField(1).getLengthDelimitedList().get(0));
    assertThat(tensorType.getField(1).getVarintList()).containsExactly(1L);
    UnknownFieldSet shape = parse(tensorType.getField(2).getLengthDelimitedList().get(0));
    UnknownFieldSet batch = parse(shape.getField(1).getLengthDelimitedList().get(0));
    UnknownFieldSet width = parse(shape.getField(1).getLengthDelimitedList().get(1));
    assertThat(batch.getField(2).getLengthDelimitedList().get(0).toStringUtf8()).isEqualTo("batch");
    assertThat(width.getField(1).getVarintList()).containsExactly(16L);
  }

  @Test
  void settingsOutOfRangeAreRejectedWithTheExpectedRange() {
    assertThatThrownBy(() -> OnnxWriter.builder().opset(0)).hasMessageContaining("expected 1 or more");
    assertThatThrownBy(() -> OnnxWriter.builder().irVersion(2)).hasMessageContaining("expected 3 or more");
    assertThatThrownBy(() -> OnnxWriter.builder().fixedBatch(0)).hasMessageContaining("expected 1 or more");
  }

  @Test
  void encodingToBytesRefusesExternalData() {
    OnnxWriter writer = OnnxWriter.builder().externalData(true).build();
    assertThatThrownBy(() -> writer.encode(ModelKit.identity().graph()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("write(graph, folder)");
  }

  private static UnknownFieldSet parse(ByteString bytes) throws InvalidProtocolBufferException {
    return UnknownFieldSet.parseFrom(bytes);
  }
}
