package dev.deduce.engine.djl.jmh;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.engine.djl.DjlEngine;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.MetricNames;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Locale;
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
 * 64 callers, one row each, on mlp-large (DJL block model): Deduce with dynamic batching against 64 threads each
 * calling its own raw DJL Predictor (predictors are not thread-safe) unbatched, and the ceiling: one thread's raw
 * Predictor on {@code rows} rows at once. PyTorch runs with one intra-op thread by default for all. Requests per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
public class DjlBatchedThroughputBenchmark {

  /** The model files, PyTorch started, and one row of input. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"1"})
    int intraOpThreads;

    LargeMlp mlp;
    Model rawModel;
    NamedTensors row;

    @Setup
    public void write() throws Exception {
      mlp = new LargeMlp(intraOpThreads);
      rawModel = mlp.rawModel();
      row = mlp.kit.inputs(1);
    }

    @TearDown
    public void delete() throws Exception {
      rawModel.close();
      mlp.delete();
    }
  }

  /** Each thread's own predictor and direct input buffer for the raw path. */
  @State(Scope.Thread)
  public static class RawCaller {
    Predictor<ByteBuffer, float[]> predictor;
    ByteBuffer x;

    @Setup
    public void open(Shared s) {
      predictor = s.rawModel.newPredictor(new LargeMlp.RowTranslator());
      x = ByteBuffer.allocateDirect(256 * 4).order(ByteOrder.nativeOrder());
      x.asFloatBuffer().put(s.row.get("x").toFloatArray());
    }

    @TearDown
    public void close() {
      predictor.close();
    }
  }

  /** {@code rows} copies of the row in one direct buffer and one thread's predictor, for the ceiling. */
  @State(Scope.Thread)
  public static class RawBatch {
    @Param({"64"})
    int rows;

    Predictor<ByteBuffer, float[]> predictor;
    ByteBuffer x;

    @Setup
    public void open(Shared s) {
      predictor = s.rawModel.newPredictor(new LargeMlp.RowTranslator());
      x = ByteBuffer.allocateDirect(rows * 256 * 4).order(ByteOrder.nativeOrder());
      float[] row = s.row.get("x").toFloatArray();
      for (int i = 0; i < rows; i++) {
        x.asFloatBuffer().position(i * 256).put(row);
      }
    }

    @TearDown
    public void close() {
      predictor.close();
    }
  }

  /**
   * The runtime, batching on: {@code tuned} is up to 64 rows, 1 ms delay, one instance per core; {@code defaults} is
   * whatever reference.conf gives every model; {@code KEY=VALUE;...} (e.g. {@code batching.max-size=64;instances=1})
   * overrides those defaults with model.conf keys. Tear-down prints the batch sizes that formed.
   */
  @State(Scope.Benchmark)
  public static class Served {
    @Param({"tuned", "defaults"})
    String serving;

    DeduceRuntime runtime;
    SimpleMeterRegistry registry;

    @Setup
    public void start(Shared s) {
      registry = new SimpleMeterRegistry();
      runtime = DeduceRuntime.builder().engine(new DjlEngine()).settings(RuntimeSettings.defaults())
          .durability(Durability.NONE).meterRegistry(registry).build();
      ModelSettings settings = switch (serving) {
        case "tuned" -> ModelSettings.builder().batchingEnabled(true).maxBatchSize(64)
            .maxQueueDelay(Duration.ofMillis(1)).instances(Runtime.getRuntime().availableProcessors()).build();
        case "defaults" -> runtime.settingsFor(ModelKit.MLP_LARGE);
        default -> overrides(runtime.settingsFor(ModelKit.MLP_LARGE), serving);
      };
      runtime.deploy(ModelKit.MLP_LARGE, "1", s.mlp.source(s.intraOpThreads), settings);
    }

    private static ModelSettings overrides(ModelSettings defaults, String serving) {
      ModelSettings.Builder b = defaults.toBuilder();
      for (String pair : serving.split(";")) {
        String[] kv = pair.split("=", 2);
        if (kv.length != 2) {
          throw new IllegalArgumentException("serving '" + serving + "'; expected tuned, defaults or"
              + " KEY=VALUE;... such as batching.max-size=64;instances=1");
        }
        b.set(kv[0].trim(), kv[1].trim());
      }
      return b.build();
    }

    @TearDown
    public void stop() {
      DistributionSummary rows = registry.get(MetricNames.BATCH_SIZE).summary();
      Timer compute = registry.get(MetricNames.COMPUTE).timer();
      System.out.printf(Locale.ROOT, "%n%s: %d engine runs, %.1f rows per run on average, largest %.0f; %.2f ms"
          + " engine time per run%n", serving, rows.count(), rows.mean(), rows.max(),
          compute.mean(TimeUnit.MICROSECONDS) / 1e3);
      runtime.close();
    }
  }

  /** Predictor.predict on one row from each of 64 threads, each with its own predictor. */
  @Benchmark
  public float[] unbatchedRawDjlPredictorPredict(RawCaller c) throws TranslateException {
    return c.predictor.predict(c.x);
  }

  /** The batching ceiling: one thread, Predictor.predict on {@code rows} rows at once; rows/s = rows × score. */
  @Benchmark
  @Threads(1)
  public float[] ceilingRawDjlPredictorPredictOfRows(RawBatch c) throws TranslateException {
    return c.predictor.predict(c.x);
  }

  /** DeduceRuntime.infer on one row from each of 64 threads; the runtime batches them. */
  @Benchmark
  public InferenceResult batchedDeduceRuntimeInfer(Shared s, Served served) {
    return served.runtime.infer(ModelKit.MLP_LARGE, s.row);
  }
}
