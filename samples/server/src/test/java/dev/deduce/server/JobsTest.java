package dev.deduce.server;

import static dev.deduce.server.ServerFixture.error;
import static dev.deduce.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.Durability;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs extension in one process: 202 and an id, then PENDING, the result or the failure from the store. */
class JobsTest {

  @TempDir
  Path tmp;
  static final ReferenceModel MLP = ModelKit.mlpSmall();

  /** Polls the job until it leaves PENDING. */
  static JsonNode await(ServerFixture s, String id) throws InterruptedException {
    long end = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < end) {
      HttpResponse<String> r = s.get("/v2/jobs/" + id);
      JsonNode n = json(r);
      if (r.statusCode() == 200 && !n.get("status").textValue().equals("PENDING")) {
        return n;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("job " + id + " still PENDING after 20 s");
  }

  @Test
  void aJobIsAcceptedWith202AndItsResultIsReadFromTheStore() throws Exception {
    try (ServerFixture s = ServerFixture.start(ServerFixture.standardModels(tmp), Durability.DURABLE,
        ServerFixture.settings())) {
      NamedTensors in = MLP.inputs(2);
      HttpResponse<String> r = s.post("/v2/models/mlp-small/jobs",
          ServerFixture.fp32(new long[] {2, 16}, in.get("x").toFloatArray()));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      String id = json(r).get("job_id").textValue();
      assertThat(json(r).get("id").textValue()).isEqualTo("req-1");
      assertThat(r.headers().firstValue("Location")).contains("/v2/jobs/" + id);
      JsonNode done = await(s, id);
      assertThat(done.get("status").textValue()).isEqualTo("DONE");
      assertThat(done.get("model_version").textValue()).isEqualTo("1");
      JsonNode probs = done.get("outputs").get(0);
      assertThat(probs.get("shape").toString()).isEqualTo("[2,4]");
      float[] expected = MLP.expected(in).get("probs").toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertThat(probs.get("data").get(i).floatValue()).isCloseTo(expected[i], within(1e-5f));
      }
    }
  }

  @Test
  void theSameIdempotencyKeyIsTheSameJob() throws Exception {
    try (ServerFixture s = ServerFixture.start(ServerFixture.standardModels(tmp), Durability.DURABLE,
        ServerFixture.settings())) {
      String body = ServerFixture.fp32(new long[] {1, 16}, new float[16]);
      String a = json(s.post("/v2/models/mlp-small/jobs", body, "Idempotency-Key", "k1")).get("job_id").textValue();
      String b = json(s.post("/v2/models/mlp-small/jobs", body, "Idempotency-Key", "k1")).get("job_id").textValue();
      assertThat(b).isEqualTo(a);
      assertThat(await(s, a).get("status").textValue()).isEqualTo("DONE");
    }
  }

  @Test
  void aJobThatFailsAfterAcceptanceReportsItsFailure() throws Exception {
    Path models = tmp.resolve("models");
    ServerFixture.write(models, ModelKit.mlpLarge(), ServerFixture.ONE_AT_A_TIME);
    try (ServerFixture s = ServerFixture.start(models, Durability.DURABLE, ServerFixture.settings())) {
      String big = ServerFixture.fp32(new long[] {160, 256}, new float[160 * 256]);
      long before = s.started("mlp-large");
      String busy = json(s.post("/v2/models/mlp-large/jobs", big)).get("job_id").textValue();
      s.awaitStarted("mlp-large", before); // it runs; the next job waits in the queue past its deadline
      HttpResponse<String> r = s.post("/v2/models/mlp-large/jobs",
          ServerFixture.fp32(new long[] {1, 256}, new float[256]), "Deduce-Timeout-Ms", "20");
      assertThat(r.statusCode()).isEqualTo(202);
      JsonNode failed = await(s, json(r).get("job_id").textValue());
      assertThat(failed.get("status").textValue()).isEqualTo("FAILED");
      assertThat(failed.get("error_kind").textValue()).isEqualTo("DEADLINE_EXCEEDED");
      assertThat(failed.get("error").textValue()).isNotBlank();
      assertThat(await(s, busy).get("status").textValue()).isEqualTo("DONE");
    }
  }

  @Test
  void aJobWithBadInputIs400AtOnceAndAnUnknownJob404() {
    try (ServerFixture s = ServerFixture.start(ServerFixture.standardModels(tmp), Durability.DURABLE,
        ServerFixture.settings())) {
      HttpResponse<String> bad = s.post("/v2/models/mlp-small/jobs",
          ServerFixture.fp32(new long[] {1, 15}, new float[15]));
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(error(bad)).contains("input 'x' has shape [1, 15]");
      HttpResponse<String> none = s.get("/v2/jobs/idem-nothing");
      assertThat(none.statusCode()).isEqualTo(404);
      assertThat(error(none)).contains("no job 'idem-nothing'");
    }
  }

  @Test
  void withoutDurableModeJobsAre501AndNotAdvertised() {
    try (ServerFixture s = ServerFixture.start(ServerFixture.standardModels(tmp), Durability.NONE,
        ServerFixture.settings())) {
      HttpResponse<String> r = s.post("/v2/models/mlp-small/jobs",
          ServerFixture.fp32(new long[] {1, 16}, new float[16]));
      assertThat(r.statusCode()).isEqualTo(501);
      assertThat(error(r)).contains("jobs need durability DURABLE", "this server runs NONE");
      assertThat(json(s.get("/v2")).get("extensions").toString()).doesNotContain("deduce_jobs");
    }
  }
}
