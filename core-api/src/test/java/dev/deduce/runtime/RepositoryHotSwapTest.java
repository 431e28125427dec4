package dev.deduce.runtime;

import dev.deduce.repository.ModelRepository;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.InferenceResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryHotSwapTest {

  @TempDir
  Path tmp;

  /** A submitted request and the row it sent, so its output can be checked against the version that answered. */
  private record Sent(float base, CompletableFuture<InferenceResult> result) {
  }

  @Test
  void swappingVersionsBackAndForthUnderLoadFailsAndLosesNoRequest() throws Exception {
    Repo repo = new Repo(Files.createDirectory(tmp.resolve("models")));
    // callers wait for queue room rather than fail: this test is about the swap, not overload
    String conf = Repo.CONF + "queue { capacity = 256, max-wait = 10s }\n";
    repo.version("m", 1, conf);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        Thread th = new Thread(() -> {
          for (int i = 0; !stop.get() && i < 20_000; i++) {
            float base = thread * 100_000 + i;
            sent.add(new Sent(base, rt.submit("m", rows(1, base, 4))));
          }
        }, "caller-" + t);
        th.start();
        callers.add(th);
      }
      List<CompletableFuture<Void>> retirements = new ArrayList<>();
      Fixtures.eventually(() -> sent.size() > 300, "load running on version 1");
      for (int swap = 0; swap < 10; swap++) {
        Path v2 = repo.version("m", 2, conf);
        retirements.add(models.reload());
        assertThat(rt.defaultVersion("m")).contains("2");
        int at = sent.size();
        Fixtures.eventually(() -> sent.size() > at + 100, "load running on version 2");
        Repo.delete(v2);
        retirements.add(models.reload());
        assertThat(rt.defaultVersion("m")).contains("1");
        int back = sent.size();
        Fixtures.eventually(() -> sent.size() > back + 100, "load running on version 1 again");
      }
      stop.set(true);
      for (Thread th : callers) {
        th.join();
      }
      Set<String> versions = new HashSet<>();
      for (Sent s : sent) {
        InferenceResult r = s.result().get(10, TimeUnit.SECONDS);
        float k = Float.parseFloat(r.version());
        float[] expected = {s.base() + k, s.base() + 1 + k, s.base() + 2 + k, s.base() + 3 + k};
        assertThat(r.output("y").toFloatArray()).as("request %s answered by version %s", s.base(), r.version())
            .containsExactly(expected);
        versions.add(r.version());
      }
      CompletableFuture.allOf(retirements.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
      assertThat(sent.size()).isGreaterThan(2000);
      assertThat(versions).containsExactlyInAnyOrder("1", "2");
      assertThat(models.problems()).isEmpty();
      assertThat(rt.versions("m")).containsExactly("1");
    }
  }
}
