package dev.deduce.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.flink.job.ExampleModel;
import dev.deduce.flink.job.Reading;
import dev.deduce.flink.job.Score;
import dev.deduce.flink.job.ScoringPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model slower than the source: Flink's async capacity holds the source back (records in flight stay bounded), and
 * a deadline shorter than the model fails records the way the job chose: to the side output, or the job.
 */
class BackpressureAndDeadlineTest {

  private static final int P = 2;
  private static final int CAPACITY = 8;

  @RegisterExtension
  static final MiniClusterExtension CLUSTER = Jobs.cluster();

  static final AtomicLong GENERATED = new AtomicLong();
  static final AtomicLong ANSWERED = new AtomicLong();
  static final AtomicLong MAX_IN_FLIGHT = new AtomicLong();

  @TempDir
  Path tmp;

  @BeforeEach
  void reset() {
    GENERATED.set(0);
    ANSWERED.set(0);
    MAX_IN_FLIGHT.set(0);
  }

  /** mlp-small on the slow engine: {@code sleepMs} per batch of up to 8, one instance, a queue of 64. */
  private Path slowModels(long sleepMs) {
    return ExampleModel.write(tmp.resolve("models"), String.join("\n",
        "engine = " + SlowEngine.ID, "format = " + SlowEngine.ID, "file = mlp-small.dgraph",
        "options { sleep-ms = " + sleepMs + " }",
        "batching { enabled = true, max-size = 8, max-queue-delay = 1ms }", "instances = 1",
        "queue { capacity = 64 }", ""));
  }

  private static void observe() {
    long inFlight = GENERATED.get() - ANSWERED.get();
    MAX_IN_FLIGHT.accumulateAndGet(inFlight, Math::max);
  }

  /** Counts generated readings; unthrottled, so only backpressure can slow it. */
  private static DataStream<Reading> countedReadings(StreamExecutionEnvironment env, long count) {
    DataGeneratorSource<Reading> source = new DataGeneratorSource<>(i -> {
      GENERATED.incrementAndGet();
      observe();
      return Reading.generated(i);
    }, count, RateLimiterStrategy.noOp(), TypeInformation.of(Reading.class));
    return env.fromSource(source, WatermarkStrategy.noWatermarks(), "counted readings");
  }

  private static final class CountAnswered implements MapFunction<Score, Score> {
    @Override
    public Score map(Score s) {
      ANSWERED.incrementAndGet();
      observe();
      return s;
    }
  }

  private SingleOutputStreamOperator<Score> score(DataStream<Reading> in, Path models, Duration deadline,
      FailurePolicy policy) {
    return DeduceInference.<Reading, Score>builder(ExampleModel.NAME, TypeInformation.of(Score.class))
        .host(HostSpec.builder().models(models.toString()).build())
        .ids(r -> Long.toString(r.id)).inputs(Reading::tensors).outputs(Score::of)
        .capacity(CAPACITY).deadline(deadline).onFailure(policy).build().apply(in);
  }

  @Test
  void aSlowModelHoldsTheSourceBackToTheAsyncCapacityAndEveryReadingIsStillScoredOnce() throws Exception {
    int readings = 400;
    StreamExecutionEnvironment env = Jobs.env(P, 0);
    SingleOutputStreamOperator<Score> scores = score(countedReadings(env, readings), slowModels(20),
        Duration.ofSeconds(30), FailurePolicy.FAIL_JOB);
    ScoringPipeline.sink(scores.map(new CountAnswered()), scores.getSideOutput(DeduceInference.FAILURES),
        tmp.resolve("out"));
    env.execute("backpressure");

    System.out.printf("slow model: at most %d readings generated but not yet answered (capacity %d x %d"
        + " subtasks)%n", MAX_IN_FLIGHT.get(), CAPACITY, P);
    // the source chains with the async operator: per subtask the full queue plus the one record it holds back
    assertThat(MAX_IN_FLIGHT.get()).isLessThanOrEqualTo(P * (CAPACITY + 1L));
    // and the limit was what held it: the model, not the source, set the pace
    assertThat(MAX_IN_FLIGHT.get()).isGreaterThanOrEqualTo(CAPACITY);
    assertThat(Jobs.scores(tmp.resolve("out"))).extracting(s -> s.id).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, readings).boxed().toList());
  }

  @Test
  void aDeadlineShorterThanTheModelSendsEveryReadingToTheSideOutputWithTheReason() throws Exception {
    int readings = 20;
    StreamExecutionEnvironment env = Jobs.env(P, 0);
    SingleOutputStreamOperator<Score> scores = score(ScoringPipeline.generated(env, readings, 0), slowModels(300),
        Duration.ofMillis(50), FailurePolicy.SIDE_OUTPUT);
    ScoringPipeline.sink(scores, scores.getSideOutput(DeduceInference.FAILURES), tmp.resolve("out"));
    env.execute("deadline to side output");

    assertThat(Jobs.scores(tmp.resolve("out"))).isEmpty();
    List<String> failures = Jobs.failures(tmp.resolve("out"));
    assertThat(failures).hasSize(readings);
    assertThat(failures).allSatisfy(f -> assertThat(f).contains("(DEADLINE_EXCEEDED)"));
    assertThat(failures).extracting(f -> f.substring("record ".length(), f.indexOf(' ', "record ".length())))
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, readings).mapToObj(Long::toString).toList());
  }

  @Test
  void aDeadlineShorterThanTheModelFailsTheJobNamingTheRecordWhenTheJobSaysSo() {
    StreamExecutionEnvironment env = Jobs.env(P, 0);
    SingleOutputStreamOperator<Score> scores = score(ScoringPipeline.generated(env, 20, 0), slowModels(300),
        Duration.ofMillis(50), FailurePolicy.FAIL_JOB);
    ScoringPipeline.sink(scores, scores.getSideOutput(DeduceInference.FAILURES), tmp.resolve("out"));

    assertThatThrownBy(() -> env.execute("deadline fails the job")).satisfies(e -> {
      String all = ExceptionUtils.stringifyException(e);
      assertThat(all).contains(RecordFailedException.class.getName()).contains("(DEADLINE_EXCEEDED)")
          .containsPattern("record \\d+ ");
    });
  }

  @Test
  void anAsyncCapacityOverTheModelsQueueFailsTheJobAtOpenNamingBoth() {
    StreamExecutionEnvironment env = Jobs.env(1, 0);
    SingleOutputStreamOperator<Score> scores = DeduceInference.<Reading, Score>builder(ExampleModel.NAME,
            TypeInformation.of(Score.class))
        .host(HostSpec.builder().models(slowModels(0).toString()).build())
        .ids(r -> Long.toString(r.id)).inputs(Reading::tensors).outputs(Score::of)
        .capacity(65).build().apply(ScoringPipeline.generated(env, 1, 0));
    ScoringPipeline.sink(scores, scores.getSideOutput(DeduceInference.FAILURES), tmp.resolve("out"));

    assertThatThrownBy(() -> env.execute("too much capacity")).satisfies(e -> assertThat(
        ExceptionUtils.stringifyException(e)).contains("queue.capacity 64").contains("65 requests be in flight"));
  }
}
