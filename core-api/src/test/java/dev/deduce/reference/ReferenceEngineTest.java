package dev.deduce.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceEngineTest {

  @TempDir Path dir;

  /** y = softmax(relu(x·W + b)) with W = [[1, -1], [2, 0]], b = [0, 1]; label = argmax. */
  static ReferenceGraph tiny() {
    return ReferenceGraph.builder("tiny")
        .input("x", DataType.FLOAT32, -1, 2)
        .dense("h", "x", 2, new float[] {1, -1, 2, 0}, new float[] {0, 1})
        .op(ReferenceGraph.Op.RELU, "r", "h")
        .op(ReferenceGraph.Op.SOFTMAX, "probs", "r")
        .op(ReferenceGraph.Op.ARGMAX, "label", "probs")
        .output("probs").output("label")
        .build();
  }

  @Test
  void evaluatesDenseReluSoftmaxArgmax() {
    NamedTensors out = tiny().evaluate(NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 1, -1, 0}, 2, 2)));
    // row 0: h = [3, 0] -> relu [3, 0]; row 1: h = [-1, 2] -> relu [0, 2]
    float[] p = out.get("probs").toFloatArray();
    double e3 = Math.exp(3);
    assertThat(p[0]).isCloseTo((float) (e3 / (e3 + 1)), org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(p[3]).isCloseTo((float) (Math.exp(2) / (Math.exp(2) + 1)), org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(out.get("label").toLongArray()).containsExactly(0, 1);
    assertThat(tiny().signature().outputs().get(1).dtype()).isEqualTo(DataType.INT64);
  }

  @Test
  void addWorksOnInt64() {
    ReferenceGraph g = ReferenceGraph.builder("add64").input("a", DataType.INT64, -1, 2)
        .input("b", DataType.INT64, -1, 2).op(ReferenceGraph.Op.ADD, "sum", "a", "b").output("sum").build();
    NamedTensors out = g.evaluate(NamedTensors.of("a", Tensor.ofLongs(new long[] {1, 2}, 1, 2),
        "b", Tensor.ofLongs(new long[] {10, Long.MAX_VALUE - 2}, 1, 2)));
    assertThat(out.get("sum").toLongArray()).containsExactly(11, Long.MAX_VALUE);
  }

  @Test
  void loadsWhatTheGraphWriterWrote() throws Exception {
    Path file = dir.resolve("tiny.dgraph");
    tiny().write(file);
    InferenceEngine engine = new ReferenceEngine();
    try (LoadedModel m = engine.load(ModelSource.of("tiny", "1", file, ReferenceEngine.FORMAT))) {
      assertThat(m.signature()).isEqualTo(tiny().signature());
      NamedTensors in = NamedTensors.of("x", Tensor.ofFloats(new float[] {0.5f, 2}, 1, 2));
      assertThat(m.run(in)).isEqualTo(tiny().evaluate(in));
    }
  }

  @Test
  void isDiscoverableWithServiceLoader() {
    assertThat(ServiceLoader.load(InferenceEngine.class).stream().map(p -> p.get().id()))
        .contains(ReferenceEngine.ID);
  }

  @Test
  void missingEmptyAndCorruptFilesGiveModelLoadErrorsNamingTheFile() throws Exception {
    ReferenceEngine engine = new ReferenceEngine();
    Path missing = dir.resolve("missing.dgraph");
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", missing, ReferenceEngine.FORMAT)))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
    Path empty = Files.createFile(dir.resolve("empty.dgraph"));
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", empty, ReferenceEngine.FORMAT)))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(empty.toString()).hasMessageContaining("empty");
    Path corrupt = Files.write(dir.resolve("corrupt.dgraph"), "not a graph at all".getBytes());
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", corrupt, ReferenceEngine.FORMAT)))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(corrupt.toString());
    Path good = dir.resolve("good.dgraph");
    tiny().write(good);
    byte[] bytes = Files.readAllBytes(good);
    Path truncated = Files.write(dir.resolve("truncated.dgraph"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", truncated, ReferenceEngine.FORMAT)))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> engine.load(ModelSource.of("m", "1", good, "onnx")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("format 'onnx' is not supported");
  }

  @Test
  void rejectsInputsThatDoNotMatchTheSignature() {
    LoadedModel m = ReferenceEngine.wrap(tiny());
    assertThatThrownBy(() -> m.run(NamedTensors.of("x", Tensor.ofFloats(new float[3], 1, 3))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected [-1, 2]");
  }

  @Test
  void rejectsInconsistentGraphs() {
    assertThatThrownBy(() -> ReferenceGraph.builder("g").input("x", DataType.FLOAT32, -1, 2)
        .op(ReferenceGraph.Op.RELU, "y", "nope").output("y").build())
        .hasMessageContaining("reads 'nope'");
    assertThatThrownBy(() -> ReferenceGraph.builder("g").input("x", DataType.FLOAT32, 3, 2).output("x").build())
        .hasMessageContaining("dynamic batch dimension");
    assertThatThrownBy(() -> ReferenceGraph.builder("g").input("x", DataType.FLOAT32, -1, 2)
        .dense("y", "x", 3, new float[5], new float[3]).output("y").build())
        .hasMessageContaining("DENSE weights must be [2, units]");
  }
}
