package dev.deduce.runtime.internal.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.runtime.MemoryStore;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.spi.RequestRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The suspected race of issue #16: an append offered just as the writer stops must never be stranded. */
class GroupCommitWriterStopTest {

  private static final NamedTensors INPUT = NamedTensors.of("x", Tensor.ofFloats(new float[] {1f}, 1, 1));

  @Test
  void everyAppendOfferedWhileTheWriterStopsIsStoredOrFailedNeverLeftWaiting() throws Exception {
    RuntimeSettings settings = RuntimeSettings.defaults();
    int stranded = 0;
    int offered = 0;
    for (int round = 0; round < 200; round++) {
      MemoryStore store = new MemoryStore();
      GroupCommitWriter writer = new GroupCommitWriter(store, settings,
          new RuntimeMetrics(new SimpleMeterRegistry()), OpenTelemetry.noop().getTracer("test"));
      ConcurrentLinkedQueue<Append> appends = new ConcurrentLinkedQueue<>();
      CountDownLatch started = new CountDownLatch(2);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        int r = round;
        Thread offerer = new Thread(() -> {
          started.countDown();
          for (int i = 0; i < 300; i++) {
            Instant now = Instant.now();
            RequestRecord rec = new RequestRecord("r" + r + "-" + thread + "-" + i, "m", "", INPUT, now,
                now.plusSeconds(60), null);
            long later = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            appends.add(writer.append(rec, later, later)); // no engine here: no result will come
          }
        });
        threads.add(offerer);
        offerer.start();
      }
      started.await();
      writer.close(Duration.ofSeconds(10));
      for (Thread t : threads) {
        t.join();
      }
      for (Append a : appends) {
        offered++;
        if (!a.stored().isDone()) {
          stranded++;
        } else if (!a.stored().isCompletedExceptionally()) {
          assertThat(store.get(a.record.requestId())).as("acknowledged means stored").isPresent();
        }
      }
    }
    assertThat(offered).isEqualTo(200 * 2 * 300);
    assertThat(stranded).as("appends neither stored nor failed after close()").isZero();
  }
}
