package dev.deduce.flink;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestOptions;
import dev.deduce.flink.job.ExampleModel;
import dev.deduce.flink.job.Reading;
import dev.deduce.flink.job.Score;
import dev.deduce.flink.job.ScoringPipeline;
import dev.deduce.host.DeduceHost;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Readings per second through mlp-small (reference engine, batching up to 16, durability NONE):
 * <ul>
 *   <li>{@code flinkJob}: a bounded Flink job (data generator, Deduce async operator with capacity 64, discarding
 *       sink) on a MiniCluster, at parallelism 1 and 2. Each invocation is a whole job, so job start-up and every
 *       subtask's host start are in the figure; {@link #READINGS} per job keeps them a small part of it.</li>
 *   <li>{@code plainLoop}: the same readings submitted to one DeduceHost from a loop that keeps 64 in flight, as one
 *       subtask of the job does: the difference to {@code flinkJob} at parallelism 1 is the async operator's and
 *       Flink's overhead.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FlinkInferenceBenchmark {

  static final int READINGS = 200_000;
  static final int CAPACITY = 64;

  /** A MiniCluster of one task manager with two slots, and the example model's repository. */
  @State(Scope.Benchmark)
  public static class Cluster {
    @Param({"1", "2"})
    int parallelism;

    Path dir;
    Path models;
    MiniCluster cluster;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      dir = Files.createTempDirectory("deduce-flink-jmh");
      models = ExampleModel.write(dir.resolve("models"), ExampleModel.CONFIG);
      cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(new Configuration())
          .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build());
      cluster.start();
      TestStreamEnvironment.setAsContext(cluster, parallelism);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      TestStreamEnvironment.unsetAsContext();
      cluster.close();
      delete(dir);
    }
  }

  /** One DeduceHost serving the example model, as one subtask has. */
  @State(Scope.Benchmark)
  public static class Host {
    Path dir;
    DeduceHost host;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("deduce-flink-jmh");
      Path models = ExampleModel.write(dir.resolve("models"), ExampleModel.CONFIG);
      host = DeduceHost.builder().settings(RuntimeSettings.defaults()).modelsDir(models)
          .durability(Durability.NONE).start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      host.close();
      delete(dir);
    }
  }

  @Benchmark
  @OperationsPerInvocation(READINGS)
  public void flinkJob(Cluster c) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(c.parallelism);
    ScoringPipeline.score(ScoringPipeline.generated(env, READINGS, 0),
            HostSpec.builder().models(c.models.toString()).durability(Durability.NONE).build(), CAPACITY,
            Duration.ofSeconds(60), FailurePolicy.FAIL_JOB)
        .sinkTo(new DiscardingSink<Score>());
    env.execute("jmh p=" + c.parallelism);
  }

  @Benchmark
  @OperationsPerInvocation(READINGS)
  public long plainLoop(Host h) throws Exception {
    Semaphore inFlight = new Semaphore(CAPACITY);
    AtomicLong rows = new AtomicLong();
    RequestOptions options = RequestOptions.builder().timeout(Duration.ofSeconds(60)).build();
    for (long i = 0; i < READINGS; i++) {
      inFlight.acquire();
      Reading r = Reading.generated(i);
      h.host.runtime().submit(ExampleModel.NAME, null, r.tensors(), options)
          .whenComplete((InferenceResult res, Throwable e) -> {
            if (e == null) {
              rows.addAndGet(res.output("probs").dim(0));
            }
            inFlight.release();
          });
    }
    inFlight.acquire(CAPACITY); // every answer is in
    if (rows.get() != READINGS) {
      throw new IllegalStateException(rows.get() + " of " + READINGS + " readings answered");
    }
    return rows.get();
  }

  static void delete(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp folder left behind costs nothing here
    }
  }
}
