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
import dev.deduce.spi.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * Deduce's overhead over raw DJL on mlp-large (a DJL block model), batch 1, one caller: raw Predictor.predict, the
 * engine alone (LoadedModel.run) and the whole runtime (DeduceRuntime.infer, durability NONE, batching off). PyTorch
 * runs with one intra-op thread by default for every path. Every path reads the output back into Java memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DjlOverheadBenchmark {

  @Param({"1"})
  int intraOpThreads;

  private LargeMlp mlp;
  private Model rawModel;
  private Predictor<ByteBuffer, float[]> raw;
  private ByteBuffer rawInput;
  private LoadedModel deduce;
  private NamedTensors inputs;
  private DeduceRuntime runtime;

  @Setup
  public void setUp() throws Exception {
    mlp = new LargeMlp(intraOpThreads);
    inputs = mlp.kit.inputs(1);
    deduce = new DjlEngine().load(mlp.source(intraOpThreads));
    runtime = DeduceRuntime.builder().engine(new DjlEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
    runtime.deploy(ModelKit.MLP_LARGE, "1", mlp.source(intraOpThreads),
        ModelSettings.builder().batchingEnabled(false).build());
    rawModel = mlp.rawModel();
    raw = rawModel.newPredictor(new LargeMlp.RowTranslator());
    rawInput = ByteBuffer.allocateDirect(256 * 4).order(ByteOrder.nativeOrder());
    rawInput.asFloatBuffer().put(inputs.get("x").toFloatArray());
  }

  @TearDown
  public void tearDown() throws Exception {
    runtime.close();
    deduce.close();
    raw.close();
    rawModel.close();
    mlp.delete();
  }

  /** DJL's Predictor.predict on a direct buffer, output read into a Java array. */
  @Benchmark
  public float[] rawDjlPredictorPredict() throws TranslateException {
    return raw.predict(rawInput);
  }

  /** DjlEngine's LoadedModel.run: validation, zero-copy input, output copied into a Deduce tensor. */
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
