package dev.deduce.runtime;

import dev.deduce.repository.ModelRepository;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryHotSwapTest {

  @TempDir
  Path tmp;

  @Test
  void swappingVersionsBackAndForthUnderLoadFailsAndLosesNoRequest() throws Exception {
    Repo repo = new Repo(Files.createDirectory(tmp.resolve("models")));
    // callers wait for queue room rather than fail: this test is about the swap, not overload
    String conf = Repo.CONF + "queue { capacity = 256, max-wait = 10s }\n";
    repo.version("m", 1, conf);
    AtomicInteger submitted = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    Set<String> versions = ConcurrentHashMap.newKeySet();
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        Thread th = new Thread(() -> {
          // until stopped, however fast the machine: a fixed number of requests can run out before the swaps end.
          // Each answer is checked as it comes, so nothing is kept but the count.
          for (int i = 0; !stop.get(); i++) {
            float base = thread * 1_000_000 + i % 1_000_000; // exact in a float
            submitted.incrementAndGet();
            rt.submit("m", rows(1, base, 4)).whenComplete((r, e) -> {
              if (e != null) {
                wrong.add("request " + base + " failed: " + e);
              } else {
                versions.add(r.version());
                float k = Float.parseFloat(r.version());
                float[] expected = {base + k, base + 1 + k, base + 2 + k, base + 3 + k};
                if (!Arrays.equals(r.output("y").toFloatArray(), expected)) {
                  wrong.add("request " + base + " answered by version " + r.version() + ": "
                      + Arrays.toString(r.output("y").toFloatArray()) + ", expected " + Arrays.toString(expected));
                }
              }
              answered.incrementAndGet();
            });
          }
        }, "caller-" + t);
        th.start();
        callers.add(th);
      }
      List<CompletableFuture<Void>> retirements = new ArrayList<>();
      Fixtures.eventually(() -> submitted.get() > 300, "load running on version 1");
      for (int swap = 0; swap < 10; swap++) {
        Path v2 = repo.version("m", 2, conf);
        retirements.add(models.reload());
        assertThat(rt.defaultVersion("m")).contains("2");
        int at = submitted.get();
        Fixtures.eventually(() -> submitted.get() > at + 100, "load running on version 2");
        Repo.delete(v2);
        retirements.add(models.reload());
        assertThat(rt.defaultVersion("m")).contains("1");
        int back = submitted.get();
        Fixtures.eventually(() -> submitted.get() > back + 100, "load running on version 1 again");
      }
      stop.set(true);
      for (Thread th : callers) {
        th.join();
      }
      Fixtures.eventually(() -> answered.get() == submitted.get(), "every request answered");
      CompletableFuture.allOf(retirements.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
      assertThat(wrong).isEmpty();
      assertThat(submitted.get()).isGreaterThan(2000);
      assertThat(versions).containsExactlyInAnyOrder("1", "2");
      assertThat(models.problems()).isEmpty();
      assertThat(rt.versions("m")).containsExactly("1");
    }
  }
}
