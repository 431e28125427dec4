package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.spi.HistoryQuery;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QueueAndDeadlineTest {

  @Test
  void fullQueueRejectsWithOverloadAndStoresNothing() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().queueCapacity(2).batchingEnabled(false).build());
      CompletableFuture<InferenceResult> running = rt.submit(MODEL, rows(1, 0, 4));
      model.awaitHeld();
      CompletableFuture<InferenceResult> q1 = rt.submit(MODEL, rows(1, 1, 4));
      CompletableFuture<InferenceResult> q2 = rt.submit(MODEL, rows(1, 2, 4));
      CompletableFuture<InferenceResult> rejected = rt.submit(MODEL, rows(1, 3, 4));

      assertThat(rejected).isCompletedExceptionally();
      assertThatThrownBy(rejected::join).hasCauseInstanceOf(OverloadedException.class)
          .hasMessageContaining("queue of model 'doubler' is full (2 requests)");
      assertThat(store.history(HistoryQuery.all()).items()).hasSize(3);
      model.release();
      for (var f : new CompletableFuture<?>[] {running, q1, q2}) {
        f.get(10, TimeUnit.SECONDS);
      }
      assertThat(model.calls.get()).isEqualTo(3);
    }
  }

  @Test
  void boundedWaitAdmitsARequestOnceRoomFrees() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().queueCapacity(1).queueMaxWait(Duration.ofSeconds(10))
          .batchingEnabled(false).build());
      CompletableFuture<InferenceResult> running = rt.submit(MODEL, rows(1, 0, 4));
      model.awaitHeld();
      CompletableFuture<InferenceResult> queued = rt.submit(MODEL, rows(1, 1, 4));
      // this submit blocks for room until the held run ends and the queued one is taken
      CompletableFuture<CompletableFuture<InferenceResult>> waiting =
          CompletableFuture.supplyAsync(() -> rt.submit(MODEL, rows(1, 2, 4)));
      Thread.sleep(100);
      assertThat(waiting).isNotDone();
      model.release();
      assertThat(waiting.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS).output("y").toFloatArray())
          .containsExactly(Fixtures.doubled(1, 2, 4));
      running.get(10, TimeUnit.SECONDS);
      queued.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void requestWhoseDeadlinePassesInTheQueueFailsAndNeverRuns() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel()).holdCall(1);
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.RESULTS).build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).build());
      CompletableFuture<InferenceResult> running = rt.submit(MODEL, rows(1, 0, 4));
      model.awaitHeld();
      RequestOptions shortDeadline = RequestOptions.builder().timeout(Duration.ofMillis(100))
          .idempotencyKey("expires").build();
      CompletableFuture<InferenceResult> expiring = rt.submit(MODEL, null, rows(1, 1, 4), shortDeadline);

      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> expiring.get(5, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(DeadlineExceededException.class)
          .hasMessageContaining("waited in the queue past its deadline").hasMessageContaining("never ran");
      assertThat(running).isNotDone();
      model.release();
      running.get(10, TimeUnit.SECONDS);
    }
    assertThat(model.calls.get()).isEqualTo(1);
    var stored = store.reopen().get(DeduceRuntime.requestIdFor(MODEL, "expires")).orElseThrow();
    assertThat(stored.status()).isEqualTo(RequestStatus.FAILED);
    assertThat(stored.errorKind()).isEqualTo(dev.deduce.api.ErrorKind.DEADLINE_EXCEEDED);
    assertThat(stored.attempts()).isZero();
  }
}
