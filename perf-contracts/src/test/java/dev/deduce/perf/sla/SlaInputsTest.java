package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs an SLA sends: given values, named dimensions and sample request files, each bad case with its message. */
class SlaInputsTest {

  @TempDir
  Path dir;

  // a BERT-like signature: [batch, sequence] token ids, mask and segment ids
  static final ModelSignature BERT = new ModelSignature(List.of(
      new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1}, List.of("batch", "sequence")),
      new TensorSpec("attention_mask", DataType.INT64, new long[] {-1, -1}, List.of("batch", "sequence")),
      new TensorSpec("token_type_ids", DataType.INT64, new long[] {-1, -1}, List.of("batch", "sequence"))),
      List.of(TensorSpec.of("logits", DataType.FLOAT32, -1, 2)), true);

  private SlaSpec sla(String body) throws IOException {
    return SlaSpec.parse(Files.writeString(dir.resolve("bert.conf"), "model = bert\n" + body));
  }

  @Test
  void rangesConstantsAndChoicesFillEachInputWithNamedDimensionsSized() throws IOException {
    SlaSpec s = sla("batch = 2\ndims { sequence = 8 }\ninputs {\n input_ids { min = 1, max = 999 }\n"
        + " attention_mask { value = 1 }\n token_type_ids { choices = [0, 1] }\n}");
    NamedTensors in = SlaInputs.make(s, BERT, 0);
    assertThat(in.get("input_ids").shape()).containsExactly(2, 8);
    assertThat(Arrays.stream(in.get("input_ids").toLongArray()).allMatch(v -> v >= 1 && v <= 999)).isTrue();
    assertThat(Arrays.stream(in.get("input_ids").toLongArray()).distinct().count()).isGreaterThan(1);
    assertThat(in.get("attention_mask").toLongArray()).containsOnly(1L);
    assertThat(in.get("token_type_ids").toLongArray()).containsOnly(0L, 1L);
    assertThat(SlaInputs.make(s, BERT, 0).get("input_ids").toLongArray())
        .as("seeded per caller: runs repeat").containsExactly(in.get("input_ids").toLongArray());
  }

  @Test
  void aDynamicNamedDimensionWithoutASizeAsksForItByName() throws IOException {
    assertThatThrownBy(() -> SlaInputs.make(sla(""), BERT, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has dynamic dimension 1").hasMessageContaining("dims { sequence = 8 }");
  }

  @Test
  void aDimensionNoInputHasIsRefused() throws IOException {
    assertThatThrownBy(() -> SlaInputs.make(sla("dims { seq = 8 }"), BERT, 0))
        .hasMessageContaining("dims.seq names no dimension of model 'bert'");
  }

  @Test
  void valuesAnInputsDtypeCannotHoldAreRefused() throws IOException {
    ModelSignature bytes = new ModelSignature(List.of(TensorSpec.of("x", DataType.UINT8, -1, 4)),
        List.of(TensorSpec.of("y", DataType.UINT8, -1, 4)), true);
    assertThatThrownBy(() -> SlaInputs.make(sla("inputs { x { value = 300 } }"), bytes, 0))
        .hasMessageContaining("inputs.x gives 300.0 for a UINT8 input; expected whole numbers from 0 to 255");
    assertThatThrownBy(() -> SlaInputs.make(sla("inputs { x { value = 1.5 } }"), bytes, 0))
        .hasMessageContaining("expected whole numbers");
    ModelSignature text = new ModelSignature(List.of(TensorSpec.of("s", DataType.STRING, -1)),
        List.of(TensorSpec.of("y", DataType.STRING, -1)), true);
    assertThatThrownBy(() -> SlaInputs.make(sla("inputs { s { value = 1 } }"), text, 0))
        .hasMessageContaining("STRING input; expected values only for numeric and BOOL inputs");
  }

  @Test
  void sampleRequestsInTheOpenInferenceProtocolShapeAreSentInTurnPerCaller() throws IOException {
    Files.writeString(dir.resolve("samples.json"), "[{\"inputs\": [{\"name\": \"input_ids\", \"shape\": [1, 3],"
        + " \"datatype\": \"INT64\", \"data\": [[101, 2023, 102]]}]},"
        + " {\"inputs\": [{\"name\": \"input_ids\", \"shape\": [1, 3], \"datatype\": \"INT64\","
        + " \"data\": [101, 7592, 102]}]}]");
    SlaSpec s = sla("requests = samples.json");
    List<NamedTensors> samples = SampleRequests.read(s.requests().orElseThrow());
    List<NamedTensors> caller1 = SlaInputs.forCaller(s, BERT, 1, samples);
    assertThat(caller1).hasSize(2);
    assertThat(caller1.get(0).get("input_ids").toLongArray()).containsExactly(101, 7592, 102);
    assertThat(caller1.get(1).get("input_ids").toLongArray()).containsExactly(101, 2023, 102);
  }

  @Test
  void aBadSampleFileSaysWhichRequestAndWhatWasExpected() throws IOException {
    Path f = dir.resolve("bad.json");
    for (String[] c : new String[][] {
        {"{\"model\": 1}", "request 0 has no \"inputs\" list"},
        {"[]", "holds no request"},
        {"{\"inputs\": [{\"name\": \"x\", \"shape\": [2], \"datatype\": \"FP16\", \"data\": [1, 2]}]}",
            "has datatype 'FP16'; expected one of [BOOL, BYTES, FP32, FP64, INT32, INT64, UINT8]"},
        {"{\"inputs\": [{\"name\": \"x\", \"shape\": [3], \"datatype\": \"FP32\", \"data\": [1, 2]}]}",
            "has 2 values in \"data\"; expected 3 for shape [3]"},
        {"{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"INT64\", \"data\": [1.5]}]}",
            "holds 1.5; expected whole numbers"},
        {"{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [1]}]}",
            "expected true or false"},
        {"{\"inputs\": [", "cannot be read as JSON"}}) {
      Files.writeString(f, c[0]);
      assertThatThrownBy(() -> SampleRequests.read(f)).as(c[0]).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1]);
    }
  }
}
