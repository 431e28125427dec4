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
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
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
 * Deduce's overhead over raw ONNX Runtime on mlp-large, batch 1, one caller: the engine alone (LoadedModel.run) and
 * the whole runtime (DeduceRuntime.infer, durability NONE, batching off). Every session gets the same options, one
 * intra-op thread by default: on a shared machine ONNX Runtime's spinning thread pool swamps the few microseconds
 * being measured. Every path reads the output back into Java memory. SampleTime, so results carry p50 and p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OnnxOverheadBenchmark {

  @Param({"1"})
  int intraOpThreads;

  private WrittenModel written;
  private OrtSession raw;
  private FloatBuffer rawInput;
  private LoadedModel deduce;
  private NamedTensors inputs;
  private DeduceRuntime runtime;

  @Setup
  public void setUp() throws IOException, OrtException {
    ReferenceModel kit = ModelKit.mlpLarge();
    written = WrittenModel.write(new OnnxWriter(), kit);
    Path file = written.path();
    inputs = kit.inputs(1);
    deduce = new OnnxEngine().load(new ModelSource(kit.name(), "1", file, OnnxEngine.FORMAT,
        Map.of("intra-op-threads", Integer.toString(intraOpThreads))));
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      raw = OrtEnvironment.getEnvironment().createSession(file.toString(), options);
    }
    runtime = DeduceRuntime.builder().engine(new OnnxEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
    runtime.deploy(kit.name(), "1", new ModelSource(kit.name(), "1", file, OnnxEngine.FORMAT,
        Map.of("intra-op-threads", Integer.toString(intraOpThreads))),
        ModelSettings.builder().batchingEnabled(false).build());
    rawInput = ByteBuffer.allocateDirect(256 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    rawInput.put(inputs.get("x").toFloatArray()).rewind();
  }

  @TearDown
  public void tearDown() throws OrtException {
    runtime.close();
    deduce.close();
    raw.close();
    written.close();
  }

  /** OrtSession.run with a tensor over a direct buffer, output read into a Java array. */
  @Benchmark
  public float[] rawOrtSessionRun() throws OrtException {
    try (OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), rawInput, new long[] {1, 256});
        OrtSession.Result r = raw.run(Map.of("x", x))) {
      FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] probs = new float[out.remaining()];
      out.get(probs);
      return probs;
    }
  }

  /** OnnxEngine's LoadedModel.run: validation, zero-copy input, output copied into a Deduce tensor. */
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
