package dev.deduce.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtException.OrtErrorCode;
import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.api.TransientEngineException;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** What the ONNX engine does beyond the engine contract: models it did not write, options, error mapping. */
class OnnxEngineTest {

  @TempDir
  Path dir;

  private final OnnxEngine engine = new OnnxEngine();

  @Test
  void isFoundThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(InferenceEngine.class).stream().map(p -> p.get().id()))
        .contains(OnnxEngine.ID);
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = "STRING", mode = EnumSource.Mode.EXCLUDE)
  void numericInputsAreHandedToOnnxRuntimeWithoutCopying(DataType dtype) throws OrtException {
    Tensor t = ReferenceModel.random(dtype, new long[] {3, 4}, new java.util.SplittableRandom(1));
    try (OnnxTensor ort = OrtTensors.toOrt(OnnxEngine.Environment.get(), t)) {
      Buffer used = ort.getBufferRef().orElseThrow();
      // ONNX Runtime copies only into a fresh writable buffer of its own; the tensor's buffer is read-only.
      assertThat(used.isDirect()).isTrue();
      assertThat(used.isReadOnly()).as("ONNX Runtime kept the caller's read-only buffer").isTrue();
    }
  }

  @Test
  void fixedBatchDimensionTurnsBatchingOff() throws IOException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = OnnxWriter.builder().fixedBatch(1).build().write(model.graph(), dir);
    try (LoadedModel m = engine.load(ModelSource.of(model.name(), "1", file, "onnx"))) {
      assertThat(m.signature().batched()).isFalse();
      assertThat(m.signature().inputs()).containsExactly(TensorSpec.of("x", DataType.FLOAT32, 1, 16));
      NamedTensors one = model.inputs(1);
      Tolerance.assertMatches(m.run(one), model.expected(one), "fixed batch of 1");
      assertThatThrownBy(() -> m.run(model.inputs(2))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("[2, 16]");
    }
  }

  @Test
  void dimensionNamesOfTheModelAreReadAndInputsThatDisagreeOnOneAreRefusedBeforeTheEngineRuns() throws IOException {
    Path file = BertLike.write(dir);
    try (LoadedModel m = engine.load(ModelSource.of("bert", "1", file, "onnx"))) {
      assertThat(m.signature().input("input_ids").orElseThrow().dimNames()).containsExactly("batch", "sequence");
      assertThat(m.signature().output("last_hidden_state").orElseThrow().dimIndex("sequence")).isEqualTo(1);
      assertThat(m.signature().batched()).isTrue();
      NamedTensors bad = NamedTensors.of("input_ids", Tensor.ofLongs(new long[8], 1, 8), "attention_mask",
          Tensor.ofLongs(new long[5], 1, 5));
      assertThatThrownBy(() -> m.run(bad)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("inputs 'input_ids' and 'attention_mask' disagree on dimension 'sequence'");
      NamedTensors out = m.run(BertLike.request(6, 1));
      assertThat(out.get("last_hidden_state").shape()).containsExactly(1, 6, BertLike.HIDDEN);
      assertThat(out.get("pooled").shape()).containsExactly(1, BertLike.HIDDEN);
    }
  }

  @Test
  void unnamedDynamicDimensionsAreWrittenAndReadWithoutAName() throws IOException {
    Path file = new OnnxWriter().write(ModelKit.mlpSmall().graph(), dir);
    try (LoadedModel m = engine.load(ModelSource.of("mlp", "1", file, "onnx"))) {
      assertThat(m.signature().input("x").orElseThrow().dimNames()).containsExactly("batch", "");
    }
  }

  @Test
  void weightsInAnExternalDataFileBesideTheModelAreFound() throws IOException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = OnnxWriter.builder().externalData(true).build().write(model.graph(), dir);
    Path data = dir.resolve(file.getFileName() + ".data");
    assertThat(data).exists();
    assertThat(Files.size(data)).isGreaterThan(Files.size(file));
    try (LoadedModel m = engine.load(ModelSource.of(model.name(), "1", file, "onnx"))) {
      NamedTensors in = model.inputs(7);
      Tolerance.assertMatches(m.run(in), model.expected(in), "external data");
    }
  }

  @Test
  void missingExternalDataFileIsALoadErrorNamingTheModel() throws IOException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = OnnxWriter.builder().externalData(true).build().write(model.graph(), dir);
    Files.delete(dir.resolve(file.getFileName() + ".data"));
    assertThatThrownBy(() -> engine.load(ModelSource.of(model.name(), "1", file, "onnx")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(file.toString());
  }

  @Test
  void modelNeedingANewerOpsetSaysWhichOpset() throws IOException {
    Path file = OnnxWriter.builder().opset(5000).build().write(ModelKit.identity().graph(), dir);
    assertThatThrownBy(() -> engine.load(ModelSource.of("future", "1", file, "onnx")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("needs opset 5000");
  }

  @Test
  void folderInsteadOfAFileIsALoadError() {
    assertThatThrownBy(() -> engine.load(ModelSource.of("folder", "1", dir, "onnx")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("folder");
  }

  @Test
  void otherFormatIsALoadError() throws IOException {
    Path file = new OnnxWriter().write(ModelKit.identity().graph(), dir);
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", file, "tensorflow")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("'tensorflow'").hasMessageContaining("onnx");
  }

  @Test
  void validOptionsAreApplied() throws IOException {
    ReferenceModel model = ModelKit.multiOutput();
    Path file = new OnnxWriter().write(model.graph(), dir);
    Map<String, String> options = Map.of("intra-op-threads", "1", "inter-op-threads", "1", "optimization", "none",
        "execution-provider", "cpu", "log-severity", "fatal");
    try (LoadedModel m = engine.load(new ModelSource(model.name(), "1", file, "onnx", options))) {
      NamedTensors in = model.inputs(7);
      Tolerance.assertMatches(m.run(in), model.expected(in), "with options");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "intra-op-threads|many|intra-op-threads",
      "inter-op-threads|-1|inter-op-threads",
      "optimization|max|none, basic, extended or all",
      "execution-provider|tpu|auto, cpu or cuda",
      "execution-provider|cuda|no CUDA provider",
      "log-severity|quiet|verbose, info, warning, error or fatal",
      "maxElements|4096|unknown option 'maxElements'",
      "intraOpThread|2|unknown option 'intraOpThread'"})
  void badOptionIsALoadErrorSayingWhatWasExpected(String key, String value, String expected) throws IOException {
    Path file = new OnnxWriter().write(ModelKit.identity().graph(), dir);
    assertThatThrownBy(() -> engine.load(new ModelSource("m", "1", file, "onnx", Map.of(key, value))))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(expected);
  }

  @Test
  void runtimeErrorsMapToDeduceErrorKinds() {
    assertThat(Failures.run("m", new OrtException(OrtErrorCode.ORT_INVALID_ARGUMENT, "Got invalid dimensions")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("invalid dimensions");
    assertThat(Failures.run("m", new OrtException(OrtErrorCode.ORT_FAIL, "Failed to allocate memory for 9 GB")))
        .isInstanceOf(TransientEngineException.class);
    assertThat(Failures.run("m", new OrtException(OrtErrorCode.ORT_EP_FAIL, "CUDA failure 2: out of memory")))
        .isInstanceOf(TransientEngineException.class);
    assertThat(Failures.run("m", new OrtException(OrtErrorCode.ORT_RUNTIME_EXCEPTION, "Non-zero status code")))
        .isInstanceOf(EngineException.class).hasMessageContaining("model 'm'");
  }

  @Test
  void runErrorsKeepTheLinesAfterTheFirstWhereOnnxRuntimeNamesTheBadDimension() {
    String ort = "[ErrorCode:InvalidArgument] Got invalid dimensions for input: x for the following indices\n"
        + " index: 1 Got: 3 Expected: 4\n Please fix either the inputs or the model.";
    assertThat(Failures.run("m", new OrtException(OrtErrorCode.ORT_INVALID_ARGUMENT, ort)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("for the following indices | index: 1 Got: 3 Expected: 4");
    assertThat(Failures.run("m", new OrtException(OrtErrorCode.ORT_RUNTIME_EXCEPTION, "Non-zero status code\n"
        + "Concat: the inputs disagree on axis 1")))
        .hasMessageContaining("Concat: the inputs disagree on axis 1");
  }
}
