package dev.deduce.perf.jmh;

import dev.deduce.api.DataType;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.MemoryStore;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.Pipeline;
import dev.deduce.runtime.RuntimeSettings;
import java.time.Duration;
import java.util.Map;
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
 * The serving policies' costs, one caller, batch 1, in one run so the ratios compare like with like:
 * <ul>
 *   <li>{@link #pipeline} against {@link #hostChain}: a three-step pipeline of y = x + x models against the host
 *       calling the same three models one after another with {@code infer}; the ratio is the cost of the pipeline's
 *       orchestration (a worker hand-off, step keys, spans, timers).</li>
 *   <li>{@link #cacheHit} against {@link #modelRun}: mlp-large answered from the durable response cache (RESULTS on a
 *       MemoryStore) against the same model running, with the cache off.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ServingPoliciesBenchmark {

  private static final String[] STEPS = {"s1", "s2", "s3"};

  private DeduceRuntime runtime;
  private NamedTensors stepInputs;
  private NamedTensors mlpInputs;

  @Setup
  public void setUp() {
    runtime = DeduceRuntime.builder().settings(RuntimeSettings.defaults()).durability(Durability.RESULTS)
        .store(new MemoryStore()).build();
    ModelSettings plain = ModelSettings.builder().batchingEnabled(false).checkInvariance(false).build();
    for (String s : STEPS) {
      runtime.deploy(s, "1", ReferenceEngine.wrap(ReferenceGraph.builder(s).input("x", DataType.FLOAT32, -1, 16)
          .op(ReferenceGraph.Op.ADD, "y", "x", "x").output("y").build()), plain);
    }
    Pipeline p = Pipeline.builder().model("s1", "s1", null, Map.of("x", "input.x"))
        .model("s2", "s2", null, Map.of("x", "s1.y")).model("s3", "s3", null, Map.of("x", "s2.y"))
        .output("y", "s3.y").build();
    runtime.deploy("pipe", "1", p.bind(runtime, "pipe"), plain.toBuilder().instances(2).build());
    stepInputs = ModelKit.mlpSmall().inputs(1);

    ReferenceModel large = ModelKit.mlpLarge();
    mlpInputs = large.inputs(1);
    runtime.deploy("cached", "1", ReferenceEngine.wrap(large.graph()),
        plain.toBuilder().cache(true, Duration.ofHours(1)).build());
    runtime.deploy("uncached", "1", ReferenceEngine.wrap(large.graph()), plain);
    InferenceResult first = runtime.infer("cached", mlpInputs);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    // the first result is stored after its caller hears of it: wait until a repeat is a hit
    while (runtime.infer("cached", mlpInputs).batchSize() != 0) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("the first result of 'cached' (" + first.requestId() + ") never became a"
            + " cache entry");
      }
    }
  }

  @TearDown
  public void tearDown() {
    runtime.close();
  }

  /** The host calls s1, s2 and s3 in turn, each output the next input. */
  @Benchmark
  public NamedTensors hostChain() {
    NamedTensors x = stepInputs;
    for (String s : STEPS) {
      x = NamedTensors.of("x", runtime.infer(s, x).output("y"));
    }
    return x;
  }

  /** The pipeline s1 → s2 → s3 as one request. */
  @Benchmark
  public InferenceResult pipeline() {
    return runtime.infer("pipe", stepInputs);
  }

  /** mlp-large answered from the stored result of the same inputs. */
  @Benchmark
  public InferenceResult cacheHit() {
    return runtime.infer("cached", mlpInputs);
  }

  /** mlp-large run by the engine (cache off). */
  @Benchmark
  public InferenceResult modelRun() {
    return runtime.infer("uncached", mlpInputs);
  }
}
