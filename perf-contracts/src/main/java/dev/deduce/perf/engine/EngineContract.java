package dev.deduce.perf.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TensorSpec;
import dev.deduce.api.Tensor;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine contract: every engine plugin extends this class, names its engine and the writer of its format, and
 * passes.
 *
 * <p>It loads every {@link ModelKit#contractModels() reference model} and checks its signature; compares runs at
 * batch sizes 1, 7 and 64 with the oracle within {@link Tolerance#of per-dtype tolerances}; checks bad inputs,
 * missing, empty, truncated and foreign model files, runs from 8 threads, close, and that repeated load/close cycles
 * keep resident memory within {@link #residentGrowthLimitBytes()}.
 */
public abstract class EngineContract {

  private static final String MODELS = "dev.deduce.perf.engine.EngineContract#contractModels";
  private static final String MODELS_AND_BATCHES = "dev.deduce.perf.engine.EngineContract#modelsAndBatches";

  @TempDir
  private Path folder;

  /** The engine under test; may return the same instance every time. */
  protected abstract InferenceEngine engine();

  /** The writer that materialises reference models in a format the engine loads. */
  protected abstract ModelWriter writer();

  /** Options passed to every load; empty by default. */
  protected Map<String, String> options() {
    return Map.of();
  }

  /** The dtypes the engine carries; all of them by default. */
  protected Set<DataType> dtypes() {
    return EnumSet.allOf(DataType.class);
  }

  /** Load/run/close cycles of the memory check: 1,000 by default; an engine that loads in seconds may run fewer. */
  protected int loadCloseCycles() {
    return 1000;
  }

  /** How much resident memory may grow across the load/close cycles: 64 MiB by default. */
  protected long residentGrowthLimitBytes() {
    return 64L << 20;
  }

  static Stream<ReferenceModel> contractModels() {
    return ModelKit.contractModels().stream();
  }

  /** The signature without dimension names: engines name dimensions as their formats allow (ONNX does, others not). */
  private static ModelSignature unnamed(ModelSignature s) {
    java.util.function.Function<TensorSpec, TensorSpec> strip = t -> TensorSpec.of(t.name(), t.dtype(), t.shape());
    return new ModelSignature(s.inputs().stream().map(strip).toList(), s.outputs().stream().map(strip).toList(),
        s.batched());
  }

  static Stream<Arguments> modelsAndBatches() {
    return ModelKit.contractModels().stream()
        .flatMap(m -> Stream.of(1, 7, 64).map(b -> Arguments.of(m, b)));
  }

  // ------------------------------------------------------------------ signatures and results

  @ParameterizedTest(name = "{0}")
  @MethodSource(MODELS)
  void signatureMatchesTheReferenceModel(ReferenceModel model) {
    try (LoadedModel m = load(model)) {
      assertThat(unnamed(m.signature())).isEqualTo(unnamed(model.graph().signature()));
    }
  }

  @ParameterizedTest(name = "{0} batch {1}")
  @MethodSource(MODELS_AND_BATCHES)
  void outputsMatchTheOracle(ReferenceModel model, int batch) {
    NamedTensors in = model.inputs(batch);
    try (LoadedModel m = load(model)) {
      Tolerance.assertMatches(m.run(in), model.expected(in), model + " batch " + batch);
    }
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everySupportedDtypePassesThroughUnchanged(DataType dtype) {
    assumeTrue(dtypes().contains(dtype), () -> engine().id() + " does not carry " + dtype);
    ReferenceModel model = ModelKit.identity(dtype);
    NamedTensors in = model.inputs(7);
    try (LoadedModel m = load(model)) {
      assertThat(unnamed(m.signature())).isEqualTo(unnamed(model.graph().signature()));
      Tolerance.assertMatches(m.run(in), model.expected(in), model.name());
    }
  }

  @Test
  void runsFromEightThreadsAllMatchTheOracle() throws Exception {
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = write(model);
    Map<Integer, NamedTensors> inputs = new HashMap<>();
    Map<Integer, NamedTensors> expected = new HashMap<>();
    for (int b = 1; b <= 16; b++) {
      inputs.put(b, model.inputs(b));
      expected.put(b, model.expected(inputs.get(b)));
    }
    boolean shared = engine().threadSafeModels();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try (LoadedModel sharedModel = shared ? load(model, file, Map.of()) : null) {
      List<Future<Integer>> runs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        runs.add(pool.submit(() -> {
          LoadedModel m = shared ? sharedModel : load(model, file, Map.of());
          try {
            start.await();
            for (int i = 0; i < 25; i++) {
              int batch = 1 + (thread * 25 + i) % 16;
              Tolerance.assertMatches(m.run(inputs.get(batch)), expected.get(batch),
                  "thread " + thread + " run " + i + " batch " + batch);
            }
            return 25;
          } finally {
            if (!shared) {
              m.close();
            }
          }
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : runs) {
        total += f.get(2, TimeUnit.MINUTES);
      }
      assertThat(total).isEqualTo(200);
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ bad inputs

  @Test
  void unknownInputNameIsInvalidInput() {
    try (LoadedModel m = load(ModelKit.mlpSmall())) {
      NamedTensors in = NamedTensors.of("nope", Tensor.zeros(DataType.FLOAT32, 1, 16));
      assertThatThrownBy(() -> m.run(in)).isInstanceOf(InvalidInputException.class).hasMessageContaining("nope");
    }
  }

  @Test
  void missingInputIsInvalidInput() {
    try (LoadedModel m = load(ModelKit.add())) {
      NamedTensors in = NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 2, 8));
      assertThatThrownBy(() -> m.run(in)).isInstanceOf(InvalidInputException.class).hasMessageContaining("'y'");
    }
  }

  @Test
  void wrongDtypeIsInvalidInput() {
    try (LoadedModel m = load(ModelKit.mlpSmall())) {
      NamedTensors in = NamedTensors.of("x", Tensor.zeros(DataType.FLOAT64, 2, 16));
      assertThatThrownBy(() -> m.run(in)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("FLOAT64").hasMessageContaining("FLOAT32");
    }
  }

  @Test
  void wrongRankIsInvalidInput() {
    try (LoadedModel m = load(ModelKit.mlpSmall())) {
      NamedTensors in = NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 16));
      assertThatThrownBy(() -> m.run(in)).isInstanceOf(InvalidInputException.class).hasMessageContaining("rank");
    }
  }

  @Test
  void wrongShapeIsInvalidInput() {
    try (LoadedModel m = load(ModelKit.mlpSmall())) {
      NamedTensors in = NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 2, 15));
      assertThatThrownBy(() -> m.run(in)).isInstanceOf(InvalidInputException.class).hasMessageContaining("[2, 15]");
    }
  }

  @Test
  void unequalBatchSizesAreInvalidInput() {
    try (LoadedModel m = load(ModelKit.add())) {
      NamedTensors in = NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, 3, 8),
          "y", Tensor.zeros(DataType.FLOAT32, 4, 8));
      assertThatThrownBy(() -> m.run(in)).isInstanceOf(InvalidInputException.class).hasMessageContaining("batch");
    }
  }

  @Test
  void inputOverTheElementLimitIsInvalidInput() {
    // the limit is the runtime's model setting max-elements, checked once on admission, not an engine option
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = write(model);
    try (DeduceRuntime runtime = DeduceRuntime.builder().engine(engine()).build()) {
      runtime.deploy(model.name(), "1", new ModelSource(model.name(), "1", file, writer().format(), options()),
          ModelSettings.builder().maxElements(1000).build());
      NamedTensors fits = model.inputs(62); // 992 elements
      Tolerance.assertMatches(runtime.infer(model.name(), fits).outputs(), model.expected(fits),
          "62 rows under a 1000-element limit");
      assertThatThrownBy(() -> runtime.infer(model.name(), model.inputs(63))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("1008").hasMessageContaining("1000");
    }
  }

  @Test
  void closeIsIdempotentAndAClosedModelRefusesToRun() {
    ReferenceModel model = ModelKit.identity();
    LoadedModel m = load(model);
    m.close();
    m.close();
    assertThatThrownBy(() -> m.run(model.inputs(1))).isInstanceOf(EngineException.class);
  }

  // ------------------------------------------------------------------ bad model files

  @Test
  void missingModelFileIsALoadErrorNamingTheFile() {
    assertLoadErrorNames(folder.resolve("absent" + writer().extension()));
  }

  @Test
  void emptyModelFileIsALoadErrorNamingTheFile() throws IOException {
    Path written = write(ModelKit.identity());
    Path empty = folder.resolve("empty").resolve(written.getFileName());
    Files.createDirectories(empty.getParent());
    if (Files.isDirectory(written)) {
      Files.createDirectory(empty);
    } else {
      Files.createFile(empty);
    }
    assertLoadErrorNames(empty);
  }

  @Test
  void truncatedModelFileIsALoadErrorNamingTheFile() throws IOException {
    Path written = write(ModelKit.mlpSmall());
    Path largest = written;
    if (Files.isDirectory(written)) {
      try (Stream<Path> files = Files.walk(written)) {
        largest = files.filter(Files::isRegularFile).max(Comparator.comparingLong(EngineContract::size))
            .orElseThrow();
      }
    }
    byte[] bytes = Files.readAllBytes(largest);
    Files.write(largest, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertLoadErrorNames(written);
  }

  @Test
  void foreignFileIsALoadErrorNamingTheFile() throws IOException {
    Path foreign = folder.resolve("notes" + writer().extension());
    Files.writeString(foreign, "this is a shopping list, not a model\n", StandardCharsets.UTF_8);
    assertLoadErrorNames(foreign);
  }

  // ------------------------------------------------------------------ native memory

  @Test
  void loadCloseCyclesKeepResidentMemoryBounded() throws Exception {
    assumeTrue(ResidentMemory.available(), "resident memory is read from /proc/self/status (Linux only)");
    ReferenceModel model = ModelKit.mlpSmall();
    Path file = write(model);
    NamedTensors in = model.inputs(4);
    int cycles = loadCloseCycles();
    if (cycles < 1) {
      throw new IllegalStateException("loadCloseCycles() is " + cycles + "; expected 1 or more");
    }
    int warmUp = Math.max(5, cycles / 10);
    for (int i = 0; i < warmUp; i++) {
      cycle(model, file, in);
    }
    long before = ResidentMemory.settledBytes();
    for (int i = 0; i < cycles; i++) {
      cycle(model, file, in);
    }
    long after = ResidentMemory.settledBytes();
    long growth = after - before;
    System.out.printf("EngineContract[%s]: %d load/run/close cycles of %s (after %d warm-up): resident memory %+.1f"
        + " MiB, limit %.0f MiB%n", engine().id(), cycles, model, warmUp, growth / 1048576.0,
        residentGrowthLimitBytes() / 1048576.0);
    assertThat(growth).as("resident memory growth in bytes over %d load/close cycles", cycles)
        .isLessThan(residentGrowthLimitBytes());
  }

  // ------------------------------------------------------------------ helpers for subclasses

  /** The temporary folder models are written to; new for every test. */
  protected final Path folder() {
    return folder;
  }

  /** Writes {@code model} with {@link #writer()} into {@link #folder()}. */
  protected final Path write(ReferenceModel model) {
    try {
      Path dir = folder.resolve(model.name());
      Files.createDirectories(dir);
      return writer().write(model.graph(), dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + model + " with " + writer().getClass().getName(), e);
    }
  }

  /** Writes and loads {@code model} with {@link #options()}. */
  protected final LoadedModel load(ReferenceModel model) {
    return load(model, write(model), Map.of());
  }

  /** Loads {@code file} as {@code model} with {@link #options()} plus {@code extra}. */
  protected final LoadedModel load(ReferenceModel model, Path file, Map<String, String> extra) {
    return engine().load(source(model.name(), file, extra));
  }

  private ModelSource source(String name, Path file, Map<String, String> extra) {
    Map<String, String> all = new HashMap<>(options());
    all.putAll(extra);
    return new ModelSource(name, "1", file, writer().format(), all);
  }

  private void cycle(ReferenceModel model, Path file, NamedTensors in) {
    try (LoadedModel m = load(model, file, Map.of())) {
      m.run(in);
    }
  }

  private void assertLoadErrorNames(Path path) {
    assertThatThrownBy(() -> engine().load(source("broken", path, Map.of())).close())
        .isInstanceOfSatisfying(ModelLoadException.class, e -> {
          assertThat(e.path()).isEqualTo(path);
          assertThat(e.getMessage()).contains(path.toString());
        });
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
