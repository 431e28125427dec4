package dev.deduce.runtime.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The finisher thread: order, backpressure on the worker, and a stop that finishes everything handed over. */
class FinisherTest {

  @Test
  void batchesAreFinishedInTheOrderTheyWereHandedOverAndStopWaitsForAllOfThem() {
    Finisher f = new Finisher("test-finish");
    List<Integer> done = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 100; i++) {
      int n = i;
      f.execute(() -> done.add(n));
    }
    f.stop();
    assertThat(done).hasSize(100).isSorted();
  }

  @Test
  void aWorkerThatGetsTooFarAheadOfAHeldUpFinisherWaits() throws Exception {
    Finisher f = new Finisher("test-finish");
    CountDownLatch store = new CountDownLatch(1);
    f.execute(() -> {
      try {
        store.await(); // the store is slow to take this batch's results
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    AtomicBoolean handedAll = new AtomicBoolean();
    Thread worker = new Thread(() -> {
      for (int i = 0; i < 10; i++) {
        f.execute(() -> { });
      }
      handedAll.set(true);
    });
    worker.start();
    worker.join(TimeUnit.MILLISECONDS.toMillis(300));
    assertThat(handedAll).as("the worker waits while the finisher is held up").isFalse();
    store.countDown();
    worker.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(handedAll).isTrue();
    f.stop();
  }

  @Test
  void aBatchThatFailsToFinishDoesNotStopTheOnesAfterIt() {
    Finisher f = new Finisher("test-finish");
    List<String> done = new CopyOnWriteArrayList<>();
    f.execute(() -> {
      throw new IllegalStateException("a metrics registry that throws");
    });
    f.execute(() -> done.add("next"));
    f.stop();
    assertThat(done).containsExactly("next");
  }
}
