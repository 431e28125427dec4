package dev.deduce.engine.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * What the TensorFlow engine does beyond the engine contract: SavedModels it did not write (several signatures,
 * inputs and outputs, INT64 and STRING inputs, other tags), options, and the errors for folders it cannot serve.
 */
class TensorFlowEngineTest {

  @TempDir
  Path dir;

  private final TensorFlowEngine engine = new TensorFlowEngine();

  @Test
  void isFoundThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(InferenceEngine.class).stream().map(p -> p.get().id()))
        .contains(TensorFlowEngine.ID);
  }

  @Test
  void signatureIsChosenByKeyAmongSeveral() throws IOException {
    Path model = exportIdsAndText("serve");
    try (LoadedModel doubled = load(model, Map.of("signature", "double"));
        LoadedModel echo = load(model, Map.of("signature", "echo"))) {
      assertThat(doubled.signature().inputs()).containsExactly(TensorSpec.of("ids", DataType.INT64, -1));
      assertThat(doubled.signature().outputs()).containsExactly(TensorSpec.of("twice", DataType.INT64, -1));
      assertThat(doubled.run(NamedTensors.of("ids", Tensor.ofLongs(new long[] {3, -4, 1L << 40}, 3)))
          .get("twice").toLongArray()).containsExactly(6, -8, 1L << 41);
      assertThat(echo.signature().inputs()).containsExactly(TensorSpec.of("text", DataType.STRING, -1));
      assertThat(echo.run(NamedTensors.of("text", Tensor.ofStrings(new String[] {"héllo", "", "漢字🙂"}, 3)))
          .get("same").toStringArray()).containsExactly("héllo", "", "漢字🙂");
    }
  }

  @Test
  void defaultSignatureWithSeveralInputsAndOutputsTakesInt64AndStrings() throws IOException {
    try (LoadedModel m = load(exportIdsAndText("serve"), Map.of())) {
      assertThat(m.signature().inputs()).containsExactly(TensorSpec.of("ids", DataType.INT64, -1),
          TensorSpec.of("text", DataType.STRING, -1));
      assertThat(m.signature().outputs()).containsExactly(TensorSpec.of("twice", DataType.INT64, -1),
          TensorSpec.of("same", DataType.STRING, -1));
      assertThat(m.signature().batched()).isTrue();
      NamedTensors out = m.run(NamedTensors.of("ids", Tensor.ofLongs(new long[] {7, 8}, 2),
          "text", Tensor.ofStrings(new String[] {"a\"b", "[{}]"}, 2)));
      assertThat(out.get("twice").toLongArray()).containsExactly(14, 16);
      assertThat(out.get("same").toStringArray()).containsExactly("a\"b", "[{}]");
    }
  }

  @Test
  void missingSignatureKeyIsALoadErrorListingTheKeys() throws IOException {
    Path model = exportIdsAndText("serve");
    assertThatThrownBy(() -> load(model, Map.of("signature", "predict")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(model.toString())
        .hasMessageContaining("no signature 'predict'")
        .hasMessageContaining("double").hasMessageContaining("echo").hasMessageContaining("serving_default");
  }

  @Test
  void missingTagIsALoadErrorListingTheTagSets() throws IOException {
    Path model = exportIdsAndText("serve", "cpu");
    assertThatThrownBy(() -> load(model, Map.of()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(model.toString())
        .hasMessageContaining("no MetaGraph is tagged [serve]")
        .hasMessageContaining("[[cpu, serve]]");
    try (LoadedModel m = load(model, Map.of("tags", "cpu, serve", "signature", "double"))) {
      assertThat(m.run(NamedTensors.of("ids", Tensor.ofLongs(new long[] {5}, 1))).get("twice").toLongArray())
          .containsExactly(10);
    }
  }

  @Test
  void folderThatIsNotASavedModelIsALoadErrorListingWhatIsThere() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("model"));
    Files.writeString(folder.resolve("model.onnx"), "not this");
    Files.createDirectories(folder.resolve("variables"));
    assertThatThrownBy(() -> load(folder, Map.of()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(folder.toString())
        .hasMessageContaining("holds no saved_model.pb (it holds [model.onnx, variables/])");
  }

  @Test
  void fixedBatchDimensionTurnsBatchingOff() throws IOException {
    Path model = export("fixed", new String[] {"serve"}, tf -> {
      Operand<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      return List.of(Signature.builder().key(Signature.DEFAULT_KEY).input("x", x)
          .output("y", tf.math.mul(x, tf.constant(2f))).build());
    });
    try (LoadedModel m = load(model, Map.of())) {
      assertThat(m.signature().batched()).isFalse();
      assertThat(m.signature().inputs()).containsExactly(TensorSpec.of("x", DataType.FLOAT32, 2, 3));
      assertThat(m.run(NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3))).get("y")
          .toFloatArray()).containsExactly(2, 4, 6, 8, 10, 12);
      assertThatThrownBy(() -> m.run(NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 1, 3))))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("[1, 3]");
    }
  }

  @Test
  void inputsTensorFlowRejectsAtRunTimeAreInvalidInput() throws IOException {
    Path model = export("matmul", new String[] {"serve"}, tf -> {
      Operand<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1)));
      Operand<TFloat32> w = tf.constant(new float[][] {{1, 0}, {0, 1}, {1, 1}});
      return List.of(Signature.builder().key(Signature.DEFAULT_KEY).input("x", x)
          .output("y", tf.linalg.matMul(x, w)).build());
    });
    try (LoadedModel m = load(model, Map.of())) {
      assertThat(m.run(NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3))).get("y").toFloatArray())
          .containsExactly(4, 5);
      assertThatThrownBy(() -> m.run(NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 1, 4))))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("model 'matmul' rejected the inputs");
    }
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void tensorsRoundTripThroughTensorFlowMemoryBitForBit(DataType dtype) {
    Tensor t = ReferenceModel.random(dtype, new long[] {3, 5}, new SplittableRandom(dtype.ordinal()));
    try (org.tensorflow.Tensor tf = TfTensors.toTf(t)) {
      assertThat(tf.shape().asArray()).containsExactly(3, 5);
      assertThat(TfTensors.dtype(tf.dataType())).contains(dtype);
      Tensor back = TfTensors.fromTf(tf, dtype);
      Tolerance.assertMatches(NamedTensors.of("t", back), NamedTensors.of("t", t), dtype.name());
      if (dtype.isNumeric()) {
        assertThat(back.buffer()).isEqualTo(t.buffer());
      }
    }
  }

  @Test
  void emptyTensorsRoundTrip() {
    Tensor empty = Tensor.zeros(DataType.FLOAT32, 0, 4);
    try (org.tensorflow.Tensor tf = TfTensors.toTf(empty)) {
      assertThat(TfTensors.fromTf(tf, DataType.FLOAT32).shape()).containsExactly(0, 4);
    }
  }

  @Test
  void validOptionsAreApplied() throws IOException {
    ReferenceModel model = ModelKit.multiOutput();
    Path folder = new SavedModelWriter().write(model.graph(), dir);
    try (LoadedModel m = load(folder, Map.of("intra-op-threads", "1", "inter-op-threads", "1", "device", "cpu",
        "tags", "serve", "signature", "serving_default"))) {
      NamedTensors in = model.inputs(7);
      Tolerance.assertMatches(m.run(in), model.expected(in), "with options");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "intra-op-threads|many|intra-op-threads",
      "inter-op-threads|-1|inter-op-threads",
      "device|tpu|auto, cpu or gpu",
      "device|gpu|CPU-only",
      "tags|' , '|one or more comma-separated tags",
      "signature|' '|signature key",
      "maxElements|4096|unknown option 'maxElements'",
      "intraOpThread|2|unknown option 'intraOpThread'"})
  void badOptionIsALoadErrorSayingWhatWasExpected(String key, String value, String expected) throws IOException {
    Path folder = new SavedModelWriter().write(ModelKit.identity().graph(), dir);
    assertThatThrownBy(() -> load(folder, Map.of(key, value)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(folder.toString())
        .hasMessageContaining(expected);
  }

  @Test
  void otherFormatIsALoadError() throws IOException {
    Path folder = new SavedModelWriter().write(ModelKit.identity().graph(), dir);
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", folder, "onnx")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("'onnx'").hasMessageContaining("savedmodel");
  }

  @Test
  void nativesAreUnpackedIntoAWritableFolderOutsideTheWorkingTree() {
    Path cache = Natives.cacheDir(dir);
    assertThat(System.getProperty(Natives.JAVACPP_CACHE_DIR)).isEqualTo(cache.toString());
    assertThat(cache).isDirectory().isWritable();
    assertThat(cache.toAbsolutePath().startsWith(Path.of("").toAbsolutePath().getParent())).isFalse();
  }

  private LoadedModel load(Path folder, Map<String, String> options) {
    return engine.load(new ModelSource(folder.getFileName().toString(), "1", folder, TensorFlowEngine.FORMAT,
        options));
  }

  /**
   * A SavedModel with three signatures over inputs ids (INT64 [-1]) and text (STRING [-1]): double (ids -> twice),
   * echo (text -> same) and serving_default (both -> both).
   */
  private Path exportIdsAndText(String... tags) throws IOException {
    return export("ids-and-text", tags, tf -> {
      Operand<TInt64> ids = tf.withName("ids").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
      Operand<TString> text = tf.withName("text").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Operand<TInt64> twice = tf.withName("twice").math.mul(ids, tf.constant(2L));
      Operand<TString> same = tf.withName("same").identity(text);
      return List.of(
          Signature.builder().key("double").input("ids", ids).output("twice", twice).build(),
          Signature.builder().key("echo").input("text", text).output("same", same).build(),
          Signature.builder().key(Signature.DEFAULT_KEY).input("ids", ids).input("text", text)
              .output("twice", twice).output("same", same).build());
    });
  }

  private Path export(String name, String[] tags, Function<Ops, List<Signature>> build) throws IOException {
    Path folder = dir.resolve(name);
    Natives.load(folder);
    try (Graph g = new Graph(); Session session = new Session(g)) {
      List<Signature> signatures = build.apply(Ops.create(g));
      SavedModelBundle.exporter(folder.toString()).withTags(tags)
          .withFunctions(signatures.stream().map(s -> SessionFunction.create(s, session))
              .toArray(SessionFunction[]::new))
          .export();
    }
    return folder;
  }

  @Test
  void aRunErrorKeepsEveryLineOfTensorFlowsReason() throws IOException {
    Path model = export("matmul-reason", new String[] {"serve"}, tf -> {
      Operand<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1)));
      Operand<TFloat32> w = tf.constant(new float[][] {{1, 0}, {0, 1}, {1, 1}});
      return List.of(Signature.builder().key(Signature.DEFAULT_KEY).input("x", x)
          .output("y", tf.linalg.matMul(x, w)).build());
    });
    try (LoadedModel m = load(model, Map.of())) {
      assertThatThrownBy(() -> m.run(NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 1, 4))))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("In[0]: [1,4], In[1]: [3,2]");
    }
    assertThat(Failures.run("m", new IllegalStateException("Internal: kernel failed\n\t [[{{node MatMul}}]]")))
        .hasMessageContaining("kernel failed | [[{{node MatMul}}]]");
  }
}
