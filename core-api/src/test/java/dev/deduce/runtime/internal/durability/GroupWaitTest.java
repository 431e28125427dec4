package dev.deduce.runtime.internal.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a group of appends waits for before it is written, and what it never waits for. */
class GroupWaitTest {

  private static final NamedTensors INPUT = NamedTensors.of("x", Tensor.ofFloats(new float[] {1f}, 1, 1));
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private final ArrayBlockingQueue<Append> appends = new ArrayBlockingQueue<>(16);
  private final AtomicInteger arriving = new AtomicInteger();

  private static Append append(String id, long resultDueNanos) {
    Instant now = Instant.now();
    return new Append(new RequestRecord(id, "m", "", INPUT, now, now.plusSeconds(60), null),
        System.nanoTime() + MINUTE, resultDueNanos);
  }

  /** A started engine thread: runs {@code first}, then attaches {@code a}'s result 100 ms later. */
  private static Thread computesIn100Ms(Append a, Runnable first) {
    Thread engine = new Thread(() -> {
      first.run();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      a.attach(ResultRecord.done(a.record, "1", INPUT, Instant.now(), 1));
    });
    engine.start();
    return engine;
  }

  private GroupWait waitingForResults(long resultWaitNanos) {
    return new GroupWait(appends, arriving, 16, 0, resultWaitNanos, () -> false);
  }

  @Test
  void aGroupIsNotHeldForAResultTheModelsRunsSayComesAfterTheResultWait() throws Exception {
    List<Append> group = new ArrayList<>(List.of(append("slow", System.nanoTime() + 2 * MINUTE)));
    long start = System.nanoTime();
    waitingForResults(MINUTE).gather(group);
    assertThat(System.nanoTime() - start).as("returned without waiting the minute").isLessThan(MINUTE / 2);
    assertThat(group).hasSize(1);
  }

  @Test
  void aGroupWaitsForAResultThatIsDueAndIsWrittenAsSoonAsItCame() throws Exception {
    Append a = append("fast", System.nanoTime());
    List<Append> group = new ArrayList<>(List.of(a));
    Thread engine = computesIn100Ms(a, () -> { });
    long start = System.nanoTime();
    waitingForResults(MINUTE).gather(group);
    assertThat(System.nanoTime() - start).as("returned once the result came, not after the minute")
        .isLessThan(MINUTE / 2);
    assertThat(a.take()).as("the result rides along with its request").isNotNull();
    engine.join();
  }

  @Test
  void appendsThatArriveWhileAGroupWaitsForItsResultsJoinIt() throws Exception {
    Append first = append("first", System.nanoTime());
    List<Append> group = new ArrayList<>(List.of(first));
    Thread engine = computesIn100Ms(first, () -> appends.add(append("second", System.nanoTime() + 2 * MINUTE)));
    waitingForResults(MINUTE).gather(group);
    engine.join();
    assertThat(group).extracting(x -> x.record.requestId()).containsExactly("first", "second");
  }

  @Test
  void aFailedAppendIsNotWaitedFor() throws Exception {
    Append a = append("refused", System.nanoTime());
    a.stored.completeExceptionally(new IllegalStateException("refused before the store"));
    List<Append> group = new ArrayList<>(List.of(a));
    long start = System.nanoTime();
    waitingForResults(MINUTE).gather(group);
    assertThat(System.nanoTime() - start).isLessThan(MINUTE / 2);
  }

  @Test
  void theResultWaitBoundsHowLongAGroupWaitsForAResultThatIsLate() throws Exception {
    List<Append> group = new ArrayList<>(List.of(append("late", System.nanoTime())));
    long start = System.nanoTime();
    waitingForResults(TimeUnit.MILLISECONDS.toNanos(50)).gather(group);
    long took = System.nanoTime() - start;
    assertThat(took).as("waited its 50 ms for the due result").isGreaterThanOrEqualTo(
        TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(took).as("and no longer than the bound allows").isLessThan(MINUTE / 2);
  }
}
