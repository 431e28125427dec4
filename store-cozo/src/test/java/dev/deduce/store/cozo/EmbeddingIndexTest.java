package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EmbeddingIndexTest {

  private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final StoreLock lock = new StoreLock();
  private final AtomicLong indexingNanos = new AtomicLong();

  // a batch holds the lock for 5 ms, as Cozo's HNSW inserts would
  private Integer indexBatch(List<String> ids) {
    synchronized (lock.monitor()) {
      long start = System.nanoTime();
      while (System.nanoTime() - start < BATCH_NANOS) {
        Thread.onSpinWait();
      }
      indexingNanos.addAndGet(System.nanoTime() - start);
      return ids.size();
    }
  }

  private static List<String> ids(int n) {
    List<String> out = new ArrayList<>();
    IntStream.range(0, n).forEach(i -> out.add("r" + i));
    return out;
  }

  @Test
  void anIdleStoreIsIndexedFlatOut() throws InterruptedException {
    try (EmbeddingIndex index = new EmbeddingIndex(1, this::indexBatch, () -> ids(40), lock)) {
      long start = System.nanoTime();
      index.start();
      assertThat(index.awaitIndexed(30_000)).isTrue();
      // 40 batches of 5 ms: with no callers it never steps aside
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
      assertThat(index.indexed()).isEqualTo(40);
    }
  }

  @Test
  void callersThatKeepTakingTheLockBetweenBatchesLeaveTheIndexerAtMostATenthOfIt() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    // a writer between groups most of the time: it takes the lock briefly every half millisecond, so it is
    // seldom waiting at the moment a batch ends
    Thread writer = new Thread(() -> {
      while (!stop.get()) {
        lock.run(() -> { });
        try {
          Thread.sleep(0, 500_000);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    writer.start();
    try (EmbeddingIndex index = new EmbeddingIndex(1, this::indexBatch, () -> ids(100_000), lock)) {
      index.start();
      Thread.sleep(300);
      long before = indexingNanos.get();
      long start = System.nanoTime();
      Thread.sleep(2_000);
      double share = (double) (indexingNanos.get() - before) / (System.nanoTime() - start);
      assertThat(share).as("the indexer's share of the lock under load").isLessThan(0.15);
      assertThat(index.lag()).as("it still makes progress").isLessThan(100_000);
    } finally {
      stop.set(true);
      writer.join();
    }
  }
}
