package dev.deduce.perf.jmh;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * 64 callers, one row each, on the reference engine: DeduceRuntime with dynamic batching (up to 64 rows, 1 ms queue
 * delay, one worker per core) against 64 threads calling LoadedModel.run themselves. Throughput in requests per
 * second summed over the threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
public class BatchedThroughputBenchmark {

  /** The model the callers share. */
  @State(Scope.Benchmark)
  public static class Model {
    @Param({ModelKit.MLP_SMALL})
    String model;

    Path folder;
    ModelSource source;
    NamedTensors row;

    @Setup
    public void write() throws IOException {
      ReferenceModel kit = ModelKit.byName(model);
      folder = Files.createTempDirectory("deduce-jmh");
      source = ModelSource.of(kit.name(), "1", new DgraphWriter().write(kit.graph(), folder), ReferenceEngine.FORMAT);
      row = kit.inputs(1);
    }

    @TearDown
    public void delete() throws IOException {
      Benchmarks.delete(folder);
    }
  }

  /** One loaded model that every caller runs directly (the reference engine's models are thread-safe). */
  @State(Scope.Benchmark)
  public static class Direct {
    LoadedModel loaded;

    @Setup
    public void load(Model m) {
      loaded = new ReferenceEngine().load(m.source);
    }

    @TearDown
    public void close() {
      loaded.close();
    }
  }

  /** The runtime, batching on. */
  @State(Scope.Benchmark)
  public static class Served {
    DeduceRuntime runtime;

    @Setup
    public void start(Model m) {
      runtime = DeduceRuntime.builder().engine(new ReferenceEngine()).settings(RuntimeSettings.defaults())
          .durability(Durability.NONE).build();
      runtime.deploy(m.model, "1", m.source, ModelSettings.builder().batchingEnabled(true).maxBatchSize(64)
          .maxQueueDelay(Duration.ofMillis(1)).instances(Runtime.getRuntime().availableProcessors()).build());
    }

    @TearDown
    public void stop() {
      runtime.close();
    }
  }

  /** Each of the 64 threads runs its own row, unbatched. */
  @Benchmark
  public NamedTensors unbatchedLoadedModelRun(Model m, Direct d) {
    return d.loaded.run(m.row);
  }

  /** Each of the 64 threads submits its row and waits; the runtime batches them. */
  @Benchmark
  public InferenceResult batchedRuntimeInfer(Model m, Served s) {
    return s.runtime.infer(m.model, m.row);
  }
}
