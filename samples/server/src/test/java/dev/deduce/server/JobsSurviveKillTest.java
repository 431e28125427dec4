package dev.deduce.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.RequestStatus;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import dev.deduce.spi.StoredRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs accepted by a server process survive its SIGKILL: after a restart on the same SQLite file every accepted job
 * completes, and the store holds each exactly once.
 */
class JobsSurviveKillTest {

  private static final Pattern PORT = Pattern.compile("REST {2}listening on http://127\\.0\\.0\\.1:(\\d+)/v2");
  private static final Pattern RECOVER = Pattern.compile("(\\d+) PENDING requests to recover");
  private static final int JOBS = 40;

  @TempDir
  Path tmp;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** A server JVM on this test's classpath; its log is read for the port and the recovered count. */
  private final class ServerProcess {
    final Process process;
    final CountDownLatch started = new CountDownLatch(1);
    final AtomicInteger port = new AtomicInteger();
    final AtomicInteger recovering = new AtomicInteger(-1);
    final StringBuffer log = new StringBuffer();

    ServerProcess(Path models, Path data) throws Exception {
      String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
          ServerMain.class.getName(), "--models", models.toString(), "--store", "sqlite", "--data", data.toString(),
          "--durability", "DURABLE", "--rest-port", "0", "--grpc-port", "0").redirectErrorStream(true).start();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            log.append(line).append('\n');
            Matcher r = RECOVER.matcher(line);
            if (r.find()) {
              recovering.set(Integer.parseInt(r.group(1)));
            }
            Matcher m = PORT.matcher(line);
            if (m.find()) {
              port.set(Integer.parseInt(m.group(1)));
              started.countDown();
            }
          }
        } catch (java.io.IOException e) {
          // the process died: its output ends here
        }
      }, "server-log");
      reader.setDaemon(true);
      reader.start();
      if (!started.await(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the server did not start in 60 s:\n" + log);
      }
    }

    String base() {
      return "http://127.0.0.1:" + port.get();
    }
  }

  @Test
  void everyJobAcceptedBeforeAKillCompletesAfterTheRestartExactlyOnce() throws Exception {
    Path models = tmp.resolve("models");
    // mlp-large on the pure-Java engine, one run at a time: jobs are still queued when the process dies
    ServerFixture.write(models, ModelKit.mlpLarge(), "engine = reference\nfile = %s.dgraph\n"
        + "batching { enabled = false }\ninstances = 1\nqueue { capacity = 1000 }\n");
    Path data = tmp.resolve("jobs.sqlite");

    ServerProcess first = new ServerProcess(models, data);
    String body = ServerFixture.fp32(new long[] {4, 256}, new float[4 * 256]);
    List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      posts.add(http.sendAsync(HttpRequest.newBuilder(URI.create(first.base() + "/v2/models/mlp-large/jobs"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> accepted = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> p : posts) {
      HttpResponse<String> r = p.join();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      accepted.add(ServerFixture.JSON.readTree(r.body()).get("job_id").textValue());
    }
    first.process.destroyForcibly(); // SIGKILL: no shutdown hook, no drain, no flush
    assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(accepted).hasSize(JOBS);

    ServerProcess second = new ServerProcess(models, data);
    try {
      assertThat(second.recovering.get()).as("jobs the killed process left PENDING\n" + second.log).isPositive();
      System.out.printf("killed with %d of %d accepted jobs PENDING%n", second.recovering.get(), JOBS);
      for (String id : accepted) {
        JsonNode job = awaitDone(second, id);
        assertThat(job.get("status").textValue()).as(job.toString()).isEqualTo("DONE");
        assertThat(job.get("outputs").get(0).get("shape").toString()).isEqualTo("[4,10]");
      }
    } finally {
      second.process.destroy(); // SIGTERM: the graceful path, so the store is closed cleanly before it is read
      assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).as(second.log.toString()).isTrue();
    }

    StoreProvider sqlite = ServiceLoader.load(StoreProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals("sqlite")).findFirst().orElseThrow();
    try (Store store = sqlite.open(new StoreConfig(data, Map.of()))) {
      List<StoredRequest> all = store.history(HistoryQuery.all().withModel("mlp-large").withPageSize(1000)).items();
      assertThat(all).extracting(StoredRequest::requestId).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(accepted);
      assertThat(all).extracting(StoredRequest::status).containsOnly(RequestStatus.DONE);
    }
  }

  private JsonNode awaitDone(ServerProcess s, String id) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < end) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.base() + "/v2/jobs/" + id)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode n = ServerFixture.JSON.readTree(r.body());
      if (r.statusCode() == 200 && !n.get("status").textValue().equals("PENDING")) {
        return n;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("job " + id + " still PENDING 60 s after the restart\n" + s.log);
  }
}
