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
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
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
 * 64 callers, one row each, on mlp-large (DJL block model): Deduce with dynamic batching (up to 64 rows, 1 ms queue
 * delay, one worker per core) against 64 threads each calling its own raw DJL Predictor (predictors are not
 * thread-safe) unbatched. PyTorch runs with one intra-op thread by default for both. Requests per second.
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

  /** The runtime, batching on. */
  @State(Scope.Benchmark)
  public static class Served {
    DeduceRuntime runtime;

    @Setup
    public void start(Shared s) {
      runtime = DeduceRuntime.builder().engine(new DjlEngine()).settings(RuntimeSettings.defaults())
          .durability(Durability.NONE).build();
      runtime.deploy(ModelKit.MLP_LARGE, "1", s.mlp.source(s.intraOpThreads), ModelSettings.builder()
          .batchingEnabled(true).maxBatchSize(64).maxQueueDelay(Duration.ofMillis(1))
          .instances(Runtime.getRuntime().availableProcessors()).build());
    }

    @TearDown
    public void stop() {
      runtime.close();
    }
  }

  /** Predictor.predict on one row from each of 64 threads, each with its own predictor. */
  @Benchmark
  public float[] unbatchedRawDjlPredictorPredict(RawCaller c) throws TranslateException {
    return c.predictor.predict(c.x);
  }

  /** DeduceRuntime.infer on one row from each of 64 threads; the runtime batches them. */
  @Benchmark
  public InferenceResult batchedDeduceRuntimeInfer(Shared s, Served served) {
    return served.runtime.infer(ModelKit.MLP_LARGE, s.row);
  }
}
