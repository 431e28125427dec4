package dev.deduce.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.RequestStatus;
import dev.deduce.flink.job.ExampleModel;
import dev.deduce.flink.job.Reading;
import dev.deduce.flink.job.Score;
import dev.deduce.flink.job.ScoringPipeline;
import dev.deduce.spi.StoredRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example pipeline on 2 task managers x 2 slots at parallelism 4, checkpointing every 100 ms, each subtask with
 * its own SQLite store: every reading is scored exactly once, even across a failure and restore.
 */
class ExactlyOnceTest {

  private static final int READINGS = 3000;

  @RegisterExtension
  static final MiniClusterExtension CLUSTER = Jobs.cluster();

  @TempDir
  Path tmp;

  /**
   * Throws once, in one subtask, after a checkpoint completed and {@value #AFTER_BARRIER} records passed since its
   * own last snapshot: those records ran (and were stored) after the checkpoint the job restores from, so their
   * replay must be answered from the store.
   */
  static final class FailOnceAfterCheckpoint extends RichMapFunction<Score, Score>
      implements CheckpointedFunction, CheckpointListener {
    static final int AFTER_BARRIER = 40;
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicInteger COMPLETED = new AtomicInteger();
    private transient int sinceSnapshot;

    @Override
    public Score map(Score s) {
      if (++sinceSnapshot >= AFTER_BARRIER && COMPLETED.get() > 0 && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure after " + sinceSnapshot + " records past the barrier");
      }
      return s;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      sinceSnapshot = 0;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
      sinceSnapshot = 0;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      COMPLETED.incrementAndGet();
    }
  }

  @BeforeEach
  void reset() {
    FailOnceAfterCheckpoint.FAILED.set(false);
    FailOnceAfterCheckpoint.COMPLETED.set(0);
  }

  private Path run(boolean injectFailure) throws Exception {
    StreamExecutionEnvironment env = Jobs.env(Jobs.PARALLELISM, injectFailure ? 2 : 0);
    Path models = ExampleModel.write(tmp.resolve("models"), ExampleModel.CONFIG);
    env.registerCachedFile(models.toString(), "models");
    HostSpec host = HostSpec.builder().models("cache:models").store("sqlite", tmp.resolve("store").toString())
        .build();
    // 3000 readings at 3000/s: about a second, so checkpoints complete while readings are in flight
    DataStream<Reading> readings = ScoringPipeline.generated(env, READINGS, 3000);
    SingleOutputStreamOperator<Score> scores = ScoringPipeline.score(readings, host, 64, Duration.ofSeconds(30),
        FailurePolicy.FAIL_JOB);
    DataStream<Score> checked = injectFailure
        ? scores.map(new FailOnceAfterCheckpoint()).name("fail once").uid("fail-once") : scores;
    ScoringPipeline.sink(checked, scores.getSideOutput(DeduceInference.FAILURES), tmp.resolve("out"));
    env.execute("exactly once" + (injectFailure ? " with a failure" : ""));
    return tmp.resolve("out");
  }

  @Test
  void everyReadingIsScoredExactlyOnceWithTheOraclesAnswerAndStoredOnceInItsSubtasksFile() throws Exception {
    Path out = run(false);

    List<Score> scores = Jobs.scores(out);
    assertThat(scores).extracting(s -> s.id).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, READINGS).boxed().toList());
    Jobs.assertMatchOracle(scores);
    assertThat(Jobs.failures(out)).isEmpty();
    // batches formed: many records were in flight per subtask at once
    assertThat(scores).extracting(s -> s.batchSize).anyMatch(b -> b > 1);

    assertThat(Jobs.storeFiles(tmp.resolve("store"))).hasSize(Jobs.PARALLELISM);
    List<StoredRequest> rows = Jobs.storeRows(tmp.resolve("store"));
    assertThat(rows).extracting(StoredRequest::requestId).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(scores.stream().map(s -> s.requestId).toList());
    assertThat(rows).extracting(StoredRequest::status).containsOnly(RequestStatus.DONE);
  }

  @Test
  void aTaskFailingAfterACheckpointRestoresWithEveryReadingOnceAndReplaysAnsweredFromTheStore() throws Exception {
    Path out = run(true);

    assertThat(FailOnceAfterCheckpoint.FAILED).as("the injected failure happened").isTrue();
    List<Score> scores = Jobs.scores(out);
    assertThat(scores).extracting(s -> s.id).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, READINGS).boxed().toList());
    Jobs.assertMatchOracle(scores);
    // readings that ran between the checkpoint and the failure were replayed, and answered from the store
    long replayed = scores.stream().filter(s -> s.batchSize == 0).count();
    System.out.printf("failure injected: %d of %d readings answered from the store after the restore%n", replayed,
        READINGS);
    assertThat(replayed).isGreaterThan(0);

    List<StoredRequest> rows = Jobs.storeRows(tmp.resolve("store"));
    assertThat(rows).extracting(StoredRequest::requestId).doesNotHaveDuplicates().hasSize(READINGS);
    assertThat(rows).extracting(StoredRequest::status).containsOnly(RequestStatus.DONE);
  }
}
