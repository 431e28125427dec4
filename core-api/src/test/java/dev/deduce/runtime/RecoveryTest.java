package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
import dev.deduce.spi.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Requests an earlier DURABLE run acknowledged and never finished, as the next start finds them PENDING. */
class RecoveryTest {

  private static RequestOptions key(String k) {
    return RequestOptions.builder().idempotencyKey(k).timeout(Duration.ofSeconds(30)).build();
  }

  /** What a DURABLE submit with key {@code k} left in the store before the process died. */
  private static RequestRecord pending(String k, String version, Instant deadline) {
    Instant submitted = deadline.minusSeconds(30);
    return new RequestRecord(DeduceRuntime.requestIdFor(MODEL, k), MODEL, version, rows(1, 7, 4), submitted,
        deadline, k);
  }

  @Test
  void aResubmittedKeyWaitsForItsRecoveredRequestInsteadOfRunningTheModelAgain() throws Exception {
    MemoryStore store = new MemoryStore();
    // the earlier run's request named version 2, which is not deployed yet when the key is resubmitted
    store.append(List.of(pending("order-1", "2", Instant.now().plusSeconds(60))));
    TestModel v1 = new TestModel(Fixtures.doublerModel());
    TestModel v2 = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", v1, Fixtures.settings().build());
      CompletableFuture<InferenceResult> resubmitted = rt.submit(MODEL, null, rows(1, 500, 4), key("order-1"));
      rt.deploy(MODEL, "2", v2, Fixtures.settings().build());

      InferenceResult r = resubmitted.get(10, TimeUnit.SECONDS);
      assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, 7, 4));
      assertThat(r.version()).isEqualTo("2");
      assertThat(v1.calls.get() + v2.calls.get()).as("model runs in all").isEqualTo(1);
    }
  }

  @Test
  void aRecoveredRequestWhoseDeadlinePassedWhileDownRunsAndItsKeyGetsTheResult() throws Exception {
    MemoryStore store = new MemoryStore();
    store.append(List.of(pending("late", "", Instant.now().minusSeconds(3600))));
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      String id = DeduceRuntime.requestIdFor(MODEL, "late");
      Fixtures.eventually(() -> store.get(id).filter(s -> s.status() != RequestStatus.PENDING).isPresent(),
          "the recovered request finished");

      assertThat(store.get(id).orElseThrow().status()).isEqualTo(RequestStatus.DONE);
      InferenceResult again = rt.submit(MODEL, null, rows(1, 500, 4), key("late")).get(10, TimeUnit.SECONDS);
      assertThat(again.output("y").toFloatArray()).containsExactly(doubled(1, 7, 4));
    }
  }

  @Test
  void aResubmittedKeyWhoseRecoveredVersionIsNeverDeployedFailsAtItsOwnTimeoutInsteadOfHanging() {
    MemoryStore store = new MemoryStore();
    store.append(List.of(pending("order-2", "9", Instant.now().plusSeconds(60))));
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      RequestOptions shortWait = RequestOptions.builder().idempotencyKey("order-2")
          .timeout(Duration.ofMillis(50)).build();

      assertThatThrownBy(() -> rt.submit(MODEL, null, rows(1, 500, 4), shortWait).get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(DeadlineExceededException.class)
          .hasMessageContaining("the first request with idempotency key 'order-2' to model 'doubler' did not "
              + "finish within this request's timeout of PT0.05S");
      assertThat(store.get(DeduceRuntime.requestIdFor(MODEL, "order-2")).orElseThrow().status())
          .isEqualTo(RequestStatus.PENDING);
    }
  }
}
