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
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The runtime's cost per request on the reference engine's mlp-small, batch 1, one caller: DeduceRuntime (durability
 * NONE, batching off) against calling LoadedModel.run directly. SampleTime, so the result carries p50 and p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RuntimeOverheadBenchmark {

  private Path folder;
  private LoadedModel direct;
  private DeduceRuntime runtime;
  private NamedTensors inputs;

  @Setup
  public void setUp() throws IOException {
    ReferenceModel kit = ModelKit.mlpSmall();
    folder = Files.createTempDirectory("deduce-jmh");
    ModelSource source = ModelSource.of(kit.name(), "1", new DgraphWriter().write(kit.graph(), folder),
        ReferenceEngine.FORMAT);
    inputs = kit.inputs(1);
    direct = new ReferenceEngine().load(source);
    runtime = DeduceRuntime.builder().engine(new ReferenceEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
    runtime.deploy(kit.name(), "1", source, ModelSettings.builder().batchingEnabled(false).build());
  }

  @TearDown
  public void tearDown() throws IOException {
    runtime.close();
    direct.close();
    Benchmarks.delete(folder);
  }

  /** LoadedModel.run on the caller's thread. */
  @Benchmark
  public NamedTensors loadedModelRun() {
    return direct.run(inputs);
  }

  /** DeduceRuntime.infer: validate, queue, worker thread, run, complete the caller's future. */
  @Benchmark
  public InferenceResult runtimeInfer() {
    return runtime.infer(ModelKit.MLP_SMALL, inputs);
  }
}
