package dev.deduce.runtime.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

  @Test
  void idsAreVersion7UuidsCarryingTheMillisecondTheyWereMadeIn() {
    long before = System.currentTimeMillis();
    UUID id = UUID.fromString(RequestIds.next());
    long after = System.currentTimeMillis();
    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, after);
  }

  @Test
  void idsMadeInLaterMillisecondsSortAfterEarlierOnes() throws InterruptedException {
    String first = RequestIds.next();
    Thread.sleep(2);
    String second = RequestIds.next();
    assertThat(second).isGreaterThan(first);
  }

  @Test
  void eightThreadsMakingIdsAtOnceNeverRepeatOne() throws InterruptedException {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      threads.add(new Thread(() -> {
        for (int i = 0; i < 25_000; i++) {
          seen.add(RequestIds.next());
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(seen).hasSize(200_000);
  }
}
