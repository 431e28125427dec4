package dev.deduce.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TensorSpec;
import dev.deduce.api.TransientEngineException;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the DJL engine does beyond the engine contract: options, signatures from config, model files, errors. */
class DjlEngineTest {

  @TempDir
  Path dir;

  private final DjlEngine engine = new DjlEngine();

  @Test
  void isFoundThroughTheServiceLoader() {
    assertThat(ServiceLoader.load(InferenceEngine.class).stream().map(p -> p.get().id())).contains(DjlEngine.ID);
  }

  @Test
  void loadingSwitchesDjlOfflineAndRecordsWhichLoaderOwnsPyTorch() throws IOException {
    ReferenceModel model = ModelKit.identity();
    engine.load(ModelSource.of("identity", "1", script(model), "torchscript")).close();
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
    assertThat(System.getProperty(PyTorch.OWNER_PROPERTY)).contains(
        Integer.toHexString(System.identityHashCode(DjlEngine.class.getClassLoader())));
  }

  @Test
  void modelOptionsOverrideTheFileBesideTheModel() throws IOException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = script(model);
    // a fixed batch of 2 in the config: the engine serves that signature, unbatched
    Map<String, String> options = Map.of("inputs", "x:FLOAT32[2,16]", "outputs", "probs:FLOAT32[2,4]");
    try (LoadedModel m = engine.load(new ModelSource(model.name(), "1", file, "torchscript", options))) {
      assertThat(m.signature().batched()).isFalse();
      assertThat(m.signature().inputs()).containsExactly(TensorSpec.of("x", DataType.FLOAT32, 2, 16));
      NamedTensors two = model.inputs(2);
      Tolerance.assertMatches(m.run(two), model.expected(two), "fixed batch of 2");
      assertThatThrownBy(() -> m.run(model.inputs(3))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("[3, 16]");
    }
  }

  @Test
  void folderHoldingOneModelFileLoadsIt() throws IOException {
    ReferenceModel model = ModelKit.add();
    script(model);
    try (LoadedModel m = engine.load(ModelSource.of(model.name(), "1", dir, "torchscript"))) {
      NamedTensors in = model.inputs(5);
      Tolerance.assertMatches(m.run(in), model.expected(in), "loaded from its folder");
    }
  }

  @Test
  void folderHoldingTwoModelFilesIsALoadErrorListingThem() throws IOException {
    script(ModelKit.add());
    Files.copy(dir.resolve("add.pt"), dir.resolve("other.pt"));
    assertThatThrownBy(() -> engine.load(ModelSource.of("add", "1", dir, "torchscript")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("add.pt").hasMessageContaining("other.pt")
        .hasMessageContaining("expected exactly one");
  }

  @Test
  void validOptionsAreApplied() throws IOException {
    ReferenceModel model = ModelKit.multiOutput();
    Path file = new DjlBlockWriter().write(model.graph(), Files.createDirectory(dir.resolve("block")));
    Map<String, String> options = Map.of("device", "cpu",
        "intra-op-threads", Integer.toString(PyTorch.intraOpThreads()));
    engine.load(ModelSource.of("warm", "1", script(ModelKit.identity()), "torchscript")).close();
    try (LoadedModel m = engine.load(new ModelSource(model.name(), "1", file, "djl", options))) {
      NamedTensors in = model.inputs(7);
      Tolerance.assertMatches(m.run(in), model.expected(in), "with options");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "intra-op-threads|many|intra-op-threads",
      "inter-op-threads|-1|inter-op-threads",
      "device|tpu|auto, cpu or gpu",
      "device|gpu|sees no GPU",
      "maxElements|4096|unknown option 'maxElements'",
      "inputs|x:FLOAT32[-1,1.5]|option inputs: 'x:FLOAT32[-1,1.5]' has dimension '1.5'",
      "outputs|probs:STRING[-1]|does not carry",
      "intraOpThread|2|unknown option 'intraOpThread'"})
  void badOptionIsALoadErrorSayingWhatWasExpected(String key, String value, String expected) throws IOException {
    Path file = script(ModelKit.mlpSmall());
    assertThatThrownBy(() -> engine.load(new ModelSource("m", "1", file, "torchscript", Map.of(key, value))))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(expected);
  }

  @Test
  void threadCountOtherThanTheRunningOneIsALoadError() throws IOException {
    Path file = script(ModelKit.identity());
    engine.load(ModelSource.of("identity", "1", file, "torchscript")).close();
    String other = Integer.toString(PyTorch.intraOpThreads() + 1);
    assertThatThrownBy(() -> engine.load(new ModelSource("m", "1", file, "torchscript",
        Map.of("intra-op-threads", other))))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("process-wide");
  }

  @Test
  void modelWithoutASignatureIsALoadErrorSayingHowToGiveOne() throws IOException {
    Path file = script(ModelKit.identity());
    Files.delete(dir.resolve(DjlOptions.FILE));
    assertThatThrownBy(() -> engine.load(ModelSource.of("identity", "1", file, "torchscript")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("no signature")
        .hasMessageContaining("inputs=x:FLOAT32[-1,16]");
  }

  @Test
  void declaredOutputsTheModelDoesNotReturnAreAnEngineErrorAtRun() throws IOException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = script(model);
    Map<String, String> twoOutputs = Map.of("outputs", "probs:FLOAT32[-1,4]; extra:FLOAT32[-1,4]");
    try (LoadedModel m = engine.load(new ModelSource("m", "1", file, "torchscript", twoOutputs))) {
      assertThatThrownBy(() -> m.run(model.inputs(2))).isInstanceOf(EngineException.class)
          .hasMessageContaining("returned 1 outputs").hasMessageContaining("extra");
    }
    Map<String, String> wrongDtype = Map.of("outputs", "probs:FLOAT64[-1,4]");
    try (LoadedModel m = engine.load(new ModelSource("m", "1", file, "torchscript", wrongDtype))) {
      assertThatThrownBy(() -> m.run(model.inputs(2))).isInstanceOf(EngineException.class)
          .hasMessageContaining("FLOAT32").hasMessageContaining("probs:FLOAT64");
    }
  }

  @Test
  void declaredInputsTheModelRejectsAreAnEngineErrorNamingTheModel() throws IOException {
    Path file = script(ModelKit.mlpSmall());
    // the model multiplies by a 16x32 matrix; a declared width of 15 passes validation and fails in PyTorch
    Map<String, String> wrong = Map.of("inputs", "x:FLOAT32[-1,15]");
    try (LoadedModel m = engine.load(new ModelSource("narrow", "1", file, "torchscript", wrong))) {
      assertThatThrownBy(() -> m.run(NamedTensors.of("x", dev.deduce.api.Tensor.zeros(DataType.FLOAT32, 2, 15))))
          .isInstanceOf(EngineException.class).hasMessageContaining("model 'narrow'");
    }
  }

  @Test
  void zipThatIsNotTorchScriptIsALoadErrorNotACrash() throws IOException {
    Path file = script(ModelKit.identity());
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      zip.putNextEntry(new ZipEntry("notes.txt"));
      zip.write("not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> engine.load(ModelSource.of("zip", "1", file, "torchscript")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(file.toString())
        .hasMessageContaining("TorchScript");
  }

  @Test
  void foreignFilesAreNamedForWhatTheyAreNot() throws IOException {
    Path pt = Files.writeString(dir.resolve("x.pt"), "hello");
    Path params = Files.writeString(dir.resolve("x.params"), "hello");
    assertThatThrownBy(() -> engine.load(ModelSource.of("x", "1", pt, "torchscript")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("is not a TorchScript file");
    assertThatThrownBy(() -> engine.load(ModelSource.of("x", "1", params, "djl")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("is not a DJL parameter file");
  }

  @Test
  void blockModelWithoutAUsableFactoryIsALoadError() throws IOException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = new DjlBlockWriter().write(model.graph(), dir);
    Map<String, String> none = new HashMap<>();
    none.put("block-factory", "");
    assertThatThrownBy(() -> engine.load(new ModelSource("m", "1", file, "djl", none)))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("no option block-factory");
    assertThatThrownBy(() -> engine.load(new ModelSource("m", "1", file, "djl",
        Map.of("block-factory", "com.example.Missing"))))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining("com.example.Missing")
        .hasMessageContaining("not found");
  }

  @Test
  void blockModelWhoseParametersDoNotFitTheBlockIsALoadError() throws IOException {
    Path small = new DjlBlockWriter().write(ModelKit.mlpSmall().graph(), dir);
    Path other = Files.createDirectory(dir.resolve("other"));
    new DjlBlockWriter().write(ModelKit.multiOutput().graph(), other);
    // mlp-small's structure with multi-output's parameters
    Path mixed = Files.copy(other.resolve("multi-output-0000.params"), dir.resolve("mixed-0000.params"));
    Files.delete(small);
    assertThatThrownBy(() -> engine.load(ModelSource.of("mixed", "1", mixed, "djl")))
        .isInstanceOf(ModelLoadException.class).hasMessageContaining(mixed.toString())
        .hasMessageContaining("expected a file saved by Model.save from the same block");
  }

  @Test
  void runFailuresMapToDeduceErrorKinds() {
    assertThat(Failures.run("m", new ai.djl.engine.EngineException("[enforce fail at alloc_cpu.cpp:117] err == 0."
        + " DefaultCPUAllocator: can't allocate memory: you tried to allocate 9000000000 bytes")))
        .isInstanceOf(TransientEngineException.class);
    assertThat(Failures.run("m", new ai.djl.engine.EngineException("mat1 and mat2 shapes cannot be multiplied")))
        .isInstanceOf(EngineException.class).isNotInstanceOf(TransientEngineException.class)
        .hasMessageContaining("model 'm'").hasMessageContaining("mat1 and mat2");
  }

  private Path script(ReferenceModel model) throws IOException {
    return new TorchScriptFixtures().write(model.graph(), dir);
  }

  @Test
  void aTorchScriptRunErrorReachesTheCallerWithItsRootCause() throws IOException {
    Path file = script(ModelKit.mlpSmall());
    // INT64 where the graph multiplies FLOAT32: PyTorch names the scalar types after its TorchScript traceback
    Map<String, String> wrong = Map.of("inputs", "x:INT64[-1,16]");
    try (LoadedModel m = engine.load(new ModelSource("wrong-dtype", "1", file, "torchscript", wrong))) {
      assertThatThrownBy(() -> m.run(NamedTensors.of("x", dev.deduce.api.Tensor.zeros(DataType.INT64, 2, 16))))
          .isInstanceOf(EngineException.class)
          .hasMessageContaining("model 'wrong-dtype'")
          .hasMessageContaining("Long")
          .hasMessageContaining("Float")
          .hasMessageNotContaining("Traceback");
    }
  }

  @Test
  void torchScriptInterpreterErrorsKeepTheReasonAfterTheTraceback() {
    String torch = "The following operation failed in the TorchScript interpreter.\n"
        + "Traceback of TorchScript, serialized code (most recent call last):\n"
        + "  File \"code/__torch__.py\", line 8, in forward\n"
        + "    return torch.embedding(weight, input_ids)\n"
        + "RuntimeError: Expected tensor for argument #1 'indices' to have one of the following scalar types: "
        + "Long, Int; but got CPUFloatType instead (while checking arguments for embedding)";
    assertThat(Failures.run("m", new ai.djl.engine.EngineException(torch)))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("Long, Int; but got CPUFloatType instead")
        .hasMessageContaining("The following operation failed in the TorchScript interpreter.");
  }
}
