package dev.deduce.engine.onnx.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.engine.onnx.OnnxEngine;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.modelkit.WrittenModel;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * 64 callers, one row each, on mlp-large: Deduce with dynamic batching (up to 64 rows, 1 ms queue delay, one worker
 * per core) against 64 threads calling raw OrtSession.run unbatched. Both sessions have the same options (one
 * intra-op thread by default), so each side has the machine's cores to fill. Throughput in requests per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
public class OnnxBatchedThroughputBenchmark {

  /** The model file and one row of input. */
  @State(Scope.Benchmark)
  public static class Model {
    @Param({"1"})
    int intraOpThreads;

    WrittenModel written;
    Path file;
    NamedTensors row;

    @Setup
    public void write() throws IOException {
      ReferenceModel kit = ModelKit.mlpLarge();
      written = WrittenModel.write(new OnnxWriter(), kit);
      file = written.path();
      row = kit.inputs(1);
    }

    @TearDown
    public void delete() {
      written.close();
    }
  }

  /** One raw session that all 64 threads run (OrtSession.run is thread-safe). */
  @State(Scope.Benchmark)
  public static class Raw {
    OrtSession session;

    @Setup
    public void open(Model m) throws OrtException {
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(m.intraOpThreads);
        session = OrtEnvironment.getEnvironment().createSession(m.file.toString(), options);
      }
    }

    @TearDown
    public void close() throws OrtException {
      session.close();
    }
  }

  /** Each thread's own direct input buffer for the raw path. */
  @State(Scope.Thread)
  public static class RawInput {
    FloatBuffer x;

    @Setup
    public void fill(Model m) {
      x = ByteBuffer.allocateDirect(256 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
      x.put(m.row.get("x").toFloatArray()).rewind();
    }
  }

  /** {@code rows} copies of the row in one direct buffer, for the ceiling. */
  @State(Scope.Thread)
  public static class RawBatch {
    /** Rows per engine run: the runtime's defaults form batches of 32, the tuned serving 64. */
    @Param({"64"})
    int rows;

    FloatBuffer x;

    @Setup
    public void fill(Model m) {
      x = ByteBuffer.allocateDirect(rows * 256 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
      float[] row = m.row.get("x").toFloatArray();
      for (int i = 0; i < rows; i++) {
        x.put(row);
      }
      x.rewind();
    }
  }

  /**
   * The runtime, batching on: {@code tuned} is up to 64 rows, 1 ms delay, one instance per core; {@code defaults} is
   * whatever reference.conf gives every model; {@code ROWS/DELAY/INSTANCES} (e.g. {@code 32/500us/1}) is up to ROWS
   * rows, a DELAY queue delay (HOCON duration) and INSTANCES instances. Tear-down prints the batch sizes that formed.
   */
  @State(Scope.Benchmark)
  public static class Served {
    @Param({"tuned", "defaults"})
    String serving;

    DeduceRuntime runtime;
    SimpleMeterRegistry registry;

    @Setup
    public void start(Model m) {
      registry = new SimpleMeterRegistry();
      runtime = DeduceRuntime.builder().engine(new OnnxEngine()).settings(RuntimeSettings.defaults())
          .durability(Durability.NONE).meterRegistry(registry).build();
      ModelSettings settings = switch (serving) {
        case "tuned" -> ModelSettings.builder().batchingEnabled(true).maxBatchSize(64)
            .maxQueueDelay(Duration.ofMillis(1)).instances(Runtime.getRuntime().availableProcessors()).build();
        case "defaults" -> runtime.settingsFor(ModelKit.MLP_LARGE);
        default -> custom(serving);
      };
      runtime.deploy(ModelKit.MLP_LARGE, "1", new ModelSource(ModelKit.MLP_LARGE, "1", m.file, OnnxEngine.FORMAT,
          Map.of("intra-op-threads", Integer.toString(m.intraOpThreads))), settings);
    }

    private static ModelSettings custom(String serving) {
      String[] p = serving.split("/");
      if (p.length != 3) {
        throw new IllegalArgumentException("serving '" + serving + "'; expected tuned, defaults or"
            + " ROWS/DELAY/INSTANCES such as 32/500us/1");
      }
      return ModelSettings.builder().batchingEnabled(true).maxBatchSize(Integer.parseInt(p[0]))
          .maxQueueDelay(ConfigFactory.parseString("d = " + p[1]).getDuration("d"))
          .instances(Integer.parseInt(p[2])).build();
    }

    @TearDown
    public void stop() {
      DistributionSummary rows = registry.get("deduce.batch.size").summary();
      System.out.printf(Locale.ROOT, "%n%s: %d engine runs, %.1f rows per run on average, largest %.0f%n", serving,
          rows.count(), rows.mean(), rows.max());
      runtime.close();
    }
  }

  /** OrtSession.run on one row, output read into a Java array, from each of 64 threads. */
  @Benchmark
  public float[] unbatchedRawOrtSessionRun(Raw raw, RawInput in) throws OrtException {
    try (OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), in.x, new long[] {1, 256});
        OrtSession.Result r = raw.session.run(Map.of("x", x))) {
      FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] probs = new float[out.remaining()];
      out.get(probs);
      return probs;
    }
  }

  /** The batching ceiling: one thread, OrtSession.run on {@code rows} rows at once; rows/s = rows times the score. */
  @Benchmark
  @Threads(1)
  public float[] ceilingRawOrtSessionRunOfRows(Raw raw, RawBatch in) throws OrtException {
    return runRows(raw, in);
  }

  /** One run on {@code in.rows} rows, its output read into a Java array. */
  static float[] runRows(Raw raw, RawBatch in) throws OrtException {
    try (OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), in.x, new long[] {in.rows, 256});
        OrtSession.Result r = raw.session.run(Map.of("x", x))) {
      FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] probs = new float[out.remaining()];
      out.get(probs);
      return probs;
    }
  }

  /** DeduceRuntime.infer on one row from each of 64 threads; the runtime batches them. */
  @Benchmark
  public InferenceResult batchedDeduceRuntimeInfer(Model m, Served s) {
    return s.runtime.infer(ModelKit.MLP_LARGE, m.row);
  }
}
