package dev.deduce.server;

import static dev.deduce.server.ServerFixture.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.runtime.Durability;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Statuses that depend on load and state: overload 429, deadline 504, not ready 503, and draining on close. */
class OverloadDeadlineReadinessTest {

  @TempDir
  Path tmp;

  /** mlp-large (256 -> 1024 -> 1024 -> 10) on the pure-Java engine, one run at a time, room for one more. */
  private ServerFixture slowServer() {
    Path models = tmp.resolve("models");
    ServerFixture.write(models, ModelKit.mlpLarge(), ServerFixture.ONE_AT_A_TIME);
    return ServerFixture.start(models, Durability.NONE, ServerFixture.settings());
  }

  private static String rows(int n) {
    return ServerFixture.fp32(new long[] {n, 256}, new float[n * 256]);
  }

  private CompletableFuture<HttpResponse<String>> async(ServerFixture s, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.base + "/v2/models/mlp-large/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return s.http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aFullQueueIs429SayingSoAndTheOtherRequestsSucceed() {
    try (ServerFixture s = slowServer()) {
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        all.add(async(s, rows(8)));
      }
      List<HttpResponse<String>> done = all.stream().map(CompletableFuture::join).toList();
      assertThat(done).extracting(HttpResponse::statusCode).containsOnly(200, 429).contains(200, 429);
      HttpResponse<String> rejected = done.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
      assertThat(error(rejected)).contains("queue of model 'mlp-large' is full");
    }
  }

  @Test
  void aDeadlinePassingWhileQueuedIs504() throws Exception {
    try (ServerFixture s = slowServer()) {
      CompletableFuture<HttpResponse<String>> busy = async(s, rows(160)); // keeps the one instance busy
      s.awaitStarted("mlp-large", 0);
      HttpResponse<String> late = async(s, rows(1), "Deduce-Timeout-Ms", "20").join();
      assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
      assertThat(error(late)).containsIgnoringCase("deadline");
      assertThat(busy.join().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aModelThatCannotLoadMakesTheServerAndTheModelNotReady503() throws Exception {
    Path models = tmp.resolve("models");
    ServerFixture.write(models, ModelKit.mlpSmall(), ServerFixture.BATCHED);
    Path broken = Files.createDirectories(models.resolve("broken").resolve("1"));
    Files.writeString(broken.resolve("broken.dgraph"), "not a graph");
    Files.writeString(broken.resolve("model.conf"), "engine = reference\nfile = broken.dgraph\n");
    try (ServerFixture s = ServerFixture.start(models, Durability.NONE, ServerFixture.settings())) {
      HttpResponse<String> ready = s.get("/v2/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(error(ready)).contains("the server is not ready", "model 'broken' has no serving version");
      assertThat(s.get("/v2/health/live").statusCode()).isEqualTo(200);
      assertThat(s.get("/v2/models/broken/ready").statusCode()).isEqualTo(503);
      HttpResponse<String> infer = s.post("/v2/models/broken/infer", ServerFixture.fp32(new long[] {1, 1},
          new float[1]));
      assertThat(infer.statusCode()).isEqualTo(503);
      assertThat(error(infer)).startsWith("model 'broken' is not ready: ");
      assertThat(s.get("/v2/models/mlp-small/ready").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void closeLetsARequestInFlightFinishThenStopsListening() throws Exception {
    ServerFixture s = slowServer();
    CompletableFuture<HttpResponse<String>> inFlight = async(s, rows(160));
    s.awaitStarted("mlp-large", 0);
    s.close();
    assertThat(inFlight.join().statusCode()).isEqualTo(200);
    assertThat(s.server.host().runtime().isClosed()).isTrue();
    assertThatThrownBy(() -> s.get("/v2/health/live")).isInstanceOf(java.io.UncheckedIOException.class)
        .hasCauseInstanceOf(java.net.ConnectException.class);
  }
}
