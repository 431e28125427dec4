package dev.deduce.engine.tf.jmh;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.engine.tf.SavedModelWriter;
import dev.deduce.engine.tf.TensorFlowEngine;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.modelkit.WrittenModel;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.time.Duration;
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
 * per core) against 64 threads calling one raw TensorFlow session unbatched. Both sessions get the same ConfigProto
 * (one intra-op thread by default). Throughput in requests per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
public class TfBatchedThroughputBenchmark {

  /** The SavedModel and one row of input. */
  @State(Scope.Benchmark)
  public static class Model {
    @Param({"1"})
    int intraOpThreads;

    WrittenModel written;
    NamedTensors row;
    float[] rowValues;

    @Setup
    public void write() throws IOException {
      ReferenceModel kit = ModelKit.mlpLarge();
      written = WrittenModel.write(new SavedModelWriter(), kit);
      row = kit.inputs(1);
      rowValues = row.get("x").toFloatArray();
    }

    @TearDown
    public void delete() {
      written.close();
    }
  }

  /** One raw session that all 64 threads run. */
  @State(Scope.Benchmark)
  public static class Raw {
    RawSession session;

    @Setup
    public void open(Model m) {
      session = new RawSession(m.written.path(), m.intraOpThreads);
    }

    @TearDown
    public void close() {
      session.close();
    }
  }

  /** The runtime, batching on. */
  @State(Scope.Benchmark)
  public static class Served {
    DeduceRuntime runtime;

    @Setup
    public void start(Model m) {
      runtime = DeduceRuntime.builder().engine(new TensorFlowEngine()).settings(RuntimeSettings.defaults())
          .durability(Durability.NONE).build();
      runtime.deploy(ModelKit.MLP_LARGE, "1", new ModelSource(ModelKit.MLP_LARGE, "1", m.written.path(),
          TensorFlowEngine.FORMAT, Map.of("intra-op-threads", Integer.toString(m.intraOpThreads))),
          ModelSettings.builder().batchingEnabled(true).maxBatchSize(64).maxQueueDelay(Duration.ofMillis(1))
              .instances(Runtime.getRuntime().availableProcessors()).build());
    }

    @TearDown
    public void stop() {
      runtime.close();
    }
  }

  /** A raw session run on one row, output read into a Java array, from each of 64 threads. */
  @Benchmark
  public float[] unbatchedRawSessionRun(Model m, Raw raw) {
    return raw.session.run(m.rowValues, 1);
  }

  /** DeduceRuntime.infer on one row from each of 64 threads; the runtime batches them. */
  @Benchmark
  public InferenceResult batchedDeduceRuntimeInfer(Model m, Served s) {
    return s.runtime.infer(ModelKit.MLP_LARGE, m.row);
  }
}
