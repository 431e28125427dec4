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
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
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

/**
 * Deduce's overhead over a raw TensorFlow session call on mlp-large, batch 1, one caller: the engine alone
 * (LoadedModel.run) and the whole runtime (DeduceRuntime.infer, durability NONE, batching off). Every session gets the
 * same ConfigProto, one intra-op thread by default, and every path reads the output back into Java memory.
 * SampleTime, so results carry p50 and p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TfOverheadBenchmark {

  @Param({"1"})
  int intraOpThreads;

  private WrittenModel written;
  private RawSession raw;
  private float[] row;
  private LoadedModel deduce;
  private NamedTensors inputs;
  private DeduceRuntime runtime;

  @Setup
  public void setUp() throws IOException {
    ReferenceModel kit = ModelKit.mlpLarge();
    written = WrittenModel.write(new SavedModelWriter(), kit);
    inputs = kit.inputs(1);
    row = inputs.get("x").toFloatArray();
    ModelSource source = new ModelSource(kit.name(), "1", written.path(), TensorFlowEngine.FORMAT,
        Map.of("intra-op-threads", Integer.toString(intraOpThreads)));
    deduce = new TensorFlowEngine().load(source);
    raw = new RawSession(written.path(), intraOpThreads);
    runtime = DeduceRuntime.builder().engine(new TensorFlowEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
    runtime.deploy(kit.name(), "1", source, ModelSettings.builder().batchingEnabled(false).build());
  }

  @TearDown
  public void tearDown() {
    runtime.close();
    deduce.close();
    raw.close();
    written.close();
  }

  /** Session.Runner on a TFloat32 filled from a Java array, output read into a Java array. */
  @Benchmark
  public float[] rawSessionRun() {
    return raw.run(row, 1);
  }

  /** TensorFlowEngine's LoadedModel.run: validation, one copy in, session run, one copy out into a Deduce tensor. */
  @Benchmark
  public NamedTensors deduceLoadedModelRun() {
    return deduce.run(inputs);
  }

  /** DeduceRuntime.infer: validation, queue, worker thread, LoadedModel.run, the caller's future completed. */
  @Benchmark
  public InferenceResult deduceRuntimeInfer() {
    return runtime.infer(ModelKit.MLP_LARGE, inputs);
  }
}
