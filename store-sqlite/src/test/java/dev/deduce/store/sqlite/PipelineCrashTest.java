package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.PipelineCrashWriter.KEY;
import static dev.deduce.store.sqlite.PipelineCrashWriter.PIPE;
import static dev.deduce.store.sqlite.PipelineCrashWriter.stepId;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.RequestStatus;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM running a DURABLE three-step pipeline with SIGKILL while its second step runs, then starts a runtime on
 * the same SQLite file: the pipeline resumes at the unfinished step and finishes, and the step that had finished
 * never runs again.
 */
class PipelineCrashTest {

  @TempDir
  Path dir;

  @Test
  void aPipelineKilledMidwayResumesAtTheUnfinishedStepWithoutRerunningFinishedOnes() throws Exception {
    Path file = dir.resolve("pipeline.db");
    Process child = ChildJvm.start(PipelineCrashWriter.class, file.toString());
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals(PipelineCrashWriter.READY)) {
        // the child prints nothing else; wait for its signal
      }
      assertThat(line).as("the child reached the middle of the pipeline").isEqualTo(PipelineCrashWriter.READY);
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close(), no flush
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    String pipeId = DeduceRuntime.requestIdFor(PIPE, KEY);
    StoredRequest s1Before;
    try (Store store = open(file)) {
      assertThat(store.get(pipeId).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
      s1Before = store.get(stepId("s1")).orElseThrow();
      assertThat(s1Before.status()).isEqualTo(RequestStatus.DONE);
      assertThat(store.get(stepId("s2")).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
      assertThat(store.get(stepId("s3"))).as("the third step never started").isEmpty();
    }

    CountingModel s1 = new CountingModel(PipelineCrashWriter.doubler());
    CountingModel s2 = new CountingModel(PipelineCrashWriter.doubler());
    CountingModel s3 = new CountingModel(PipelineCrashWriter.doubler());
    Store store = open(file);
    try (DeduceRuntime runtime = PipelineCrashWriter.runtime(store)) {
      runtime.deploy("s1", "1", s1, PipelineCrashWriter.settings());
      runtime.deploy("s2", "1", s2, PipelineCrashWriter.settings());
      runtime.deploy("s3", "1", s3, PipelineCrashWriter.settings());
      runtime.deploy(PIPE, "1", PipelineCrashWriter.pipeline().bind(runtime, PIPE), PipelineCrashWriter.settings());
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!store.pending().isEmpty() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(store.pending()).as("PENDING after recovery").isEmpty();
    }
    assertThat(s1.runs.get()).as("runs of the step that finished before the kill").isZero();
    assertThat(s2.runs.get()).as("runs of the step the kill interrupted").isEqualTo(1);
    assertThat(s3.runs.get()).as("runs of the step after it").isEqualTo(1);
    try (Store reopened = open(file)) {
      StoredRequest pipe = reopened.get(pipeId).orElseThrow();
      assertThat(pipe.status()).isEqualTo(RequestStatus.DONE);
      assertThat(pipe.outputs().get("y").toFloatArray()).containsExactly(8, 16, 24, 32);
      assertThat(reopened.get(stepId("s1")).orElseThrow()).as("the finished step is untouched").isEqualTo(s1Before);
      // the history query core-api's MODEL-REPOSITORY.md gives: a pipeline request with its steps
      List<Map<String, Object>> history = reopened.nativeQuery().orElseThrow().query(HISTORY, Map.of("id", pipeId));
      assertThat(history).extracting(r -> r.get("model"), r -> r.get("status")).containsExactlyInAnyOrder(
          tuple(PIPE, "DONE"), tuple("s1", "DONE"), tuple("s2", "DONE"), tuple("s3", "DONE"));
    }
  }

  /** A pipeline request and its steps, oldest first; the steps' keys start with {@code pipeline/<request id>/}. */
  static final String HISTORY = """
      SELECT request_id, model, version, status, idempotency_key, submitted_at, completed_at
      FROM deduce_requests
      WHERE request_id = :id OR idempotency_key LIKE 'pipeline/' || :id || '/%'
      ORDER BY submitted_at, request_id""";

  private static Store open(Path file) {
    return new SqliteStoreProvider().open(Records.config(file));
  }
}
