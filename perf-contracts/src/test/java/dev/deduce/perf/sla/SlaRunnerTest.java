package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The sla-smoke run: about a second of real load per SLA on the reference engine's mlp-small. */
class SlaRunnerTest {

  private static final String QUICK = """
      model = mlp-small
      concurrency = 2
      warm-up = 200ms
      window = 300ms
      max-windows = 3
      stability { windows = 2, tolerance-percent = 1000 }
      """;

  @TempDir
  static Path shared;
  private static DeduceRuntime runtime;

  @TempDir
  Path dir;

  @BeforeAll
  static void serveMlpSmall() throws IOException {
    Path file = new DgraphWriter().write(ModelKit.mlpSmall().graph(), shared);
    runtime = DeduceRuntime.builder().engine(new ReferenceEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
    runtime.deploy(ModelKit.MLP_SMALL, "1", ModelSource.of(ModelKit.MLP_SMALL, "1", file, ReferenceEngine.FORMAT),
        ModelSettings.defaults());
  }

  @AfterAll
  static void close() {
    runtime.close();
  }

  private SlaSpec spec(String extra) throws IOException {
    return SlaSpec.parse(Files.writeString(dir.resolve("smoke.conf"), QUICK + extra));
  }

  @Test
  void looseTargetsAreMetAndEveryFigureIsFilledIn() throws IOException {
    SlaResult r = new SlaRunner(runtime).run(spec("targets { p50 = 5s, p95 = 5s, p99 = 5s, min-throughput = 1 }"));

    assertThat(r.passed()).as(r.checks().toString()).isTrue();
    assertThat(r.version()).isEqualTo("1");
    assertThat(r.windows()).hasSizeBetween(2, 3);
    assertThat(r.stable()).isTrue();
    SlaResult.Stats m = r.measured();
    assertThat(m.requests()).isPositive();
    assertThat(m.failed()).isZero();
    assertThat(m.throughput()).isPositive();
    assertThat(m.p50()).isPositive().isLessThanOrEqualTo(m.p90());
    assertThat(m.p90()).isLessThanOrEqualTo(m.p95());
    assertThat(m.p95()).isLessThanOrEqualTo(m.p99());
    assertThat(m.p99()).isLessThanOrEqualTo(m.max());
    assertThat(m.computeMean()).isPositive();
    assertThat(m.computeP50()).isLessThanOrEqualTo(m.p99());
    assertThat(r.checks()).extracting(Check::name)
        .containsExactly("p50", "p95", "p99", "min-throughput", "max-error-rate", "stability");
  }

  @Test
  void impossibleTargetsFailEachNamingTheFigures() throws IOException {
    SlaResult r = new SlaRunner(runtime).run(spec("targets { p99 = 1ns, min-throughput = 1e12 }"));

    assertThat(r.passed()).isFalse();
    assertThat(r.checks()).filteredOn(c -> c.outcome() == Check.Outcome.FAILED).extracting(Check::name)
        .containsExactly("p99", "min-throughput");
    assertThat(r.checks().get(0).message()).contains("p99 latency").contains("is above the target of 0.000 ms");
  }

  @Test
  void failedRequestsAreCountedByKindAndFailTheErrorRate() throws IOException {
    // a row of 17 features where mlp-small takes 16: every request is invalid input
    SlaResult r = new SlaRunner(runtime).run(spec("inputs { x = [1, 17] }"));

    assertThat(r.passed()).isFalse();
    assertThat(r.errors()).containsKey("INVALID_INPUT");
    assertThat(r.measured().requests()).isZero();
    assertThat(r.measured().failed()).isPositive();
    assertThat(r.checks()).filteredOn(c -> c.name().equals("max-error-rate")).singleElement()
        .satisfies(c -> assertThat(c.message()).contains("no request completed"));
  }

  @Test
  void unstableRunIsReportedAsSkippedUnlessRequired() throws IOException {
    String never = "stability { windows = 3, tolerance-percent = 0 }\nmax-windows = 3\n";
    SlaResult reported = new SlaRunner(runtime).run(spec(never));
    assertThat(reported.stable()).isFalse();
    assertThat(reported.checks()).filteredOn(c -> c.name().equals("stability")).singleElement()
        .extracting(Check::outcome).isEqualTo(Check.Outcome.SKIPPED);
    assertThat(reported.passed()).isTrue();

    SlaResult required = new SlaRunner(runtime).run(spec(never + "stability.required = true\n"));
    assertThat(required.passed()).isFalse();
  }

  @Test
  void unknownModelFailsBeforeAnyLoad() throws IOException {
    SlaSpec s = SlaSpec.parse(Files.writeString(dir.resolve("x.conf"), "model = nope"));
    assertThatThrownBy(() -> new SlaRunner(runtime).run(s)).isInstanceOf(ModelNotFoundException.class);
  }

  @Test
  void dynamicDimensionWithoutShapeAsksForIt() throws IOException {
    Path file = new DgraphWriter().write(ModelKit.identity().graph(), dir);
    runtime.deploy("ident", "1", ModelSource.of("ident", "1", file, ReferenceEngine.FORMAT),
        ModelSettings.defaults());
    SlaSpec s = SlaSpec.parse(Files.writeString(dir.resolve("ident.conf"), "model = ident"));
    SlaSpec named = SlaSpec.parse(Files.writeString(dir.resolve("named.conf"), "model = ident\ninputs { y = [1] }"));
    boolean dynamic = runtime.signature("ident", null).inputs().get(0).shape().length > 1
        && runtime.signature("ident", null).inputs().get(0).shape()[1] < 0;
    if (dynamic) {
      assertThatThrownBy(() -> SlaInputs.make(s, runtime.signature("ident", null), 0))
          .hasMessageContaining("has dynamic dimension 1").hasMessageContaining("inputs {");
    }
    assertThatThrownBy(() -> SlaInputs.make(named, runtime.signature("ident", null), 0))
        .hasMessageContaining("inputs.y names no input");
  }

  @Test
  void reportsAreJsonAndJUnitXmlWithOneTestCasePerCheck() throws Exception {
    SlaResult met = new SlaRunner(runtime).run(spec("targets.p99 = 5s"));
    SlaResult missed = new SlaRunner(runtime).run(
        SlaSpec.parse(Files.writeString(dir.resolve("strict.conf"), QUICK + "targets.p99 = 1ns")));

    List<Path> files = SlaReports.write(List.of(met, missed), dir.resolve("out"));

    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("sla-results.json", "TEST-sla-smoke.xml", "TEST-sla-strict.xml");
    JsonNode json = new ObjectMapper().readTree(files.get(0).toFile());
    assertThat(json.get("passed").asBoolean()).isFalse();
    JsonNode first = json.get("slas").get(0);
    assertThat(first.get("model").asText()).isEqualTo("mlp-small");
    assertThat(first.get("passed").asBoolean()).isTrue();
    assertThat(first.get("measured").get("latencyMs").get("p99").asDouble()).isPositive();
    assertThat(first.get("measured").get("throughputPerSecond").asDouble()).isPositive();
    assertThat(first.get("measured").has("queueMs")).isTrue();
    assertThat(first.get("windows").size()).isEqualTo(met.windows().size());
    assertThat(json.get("slas").get(1).get("checks").get(0).get("outcome").asText()).isEqualTo("failed");

    Document ok = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(files.get(1).toFile());
    assertThat(ok.getDocumentElement().getAttribute("failures")).isEqualTo("0");
    assertThat(ok.getElementsByTagName("testcase").getLength()).isEqualTo(met.checks().size());
    Document bad = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(files.get(2).toFile());
    Element suite = bad.getDocumentElement();
    assertThat(suite.getAttribute("name")).isEqualTo("sla.strict");
    assertThat(suite.getAttribute("failures")).isEqualTo("1");
    NodeList failures = bad.getElementsByTagName("failure");
    assertThat(((Element) failures.item(0)).getAttribute("message")).contains("p99 latency");
  }

  // the open loop (rate): requests on a schedule whatever the answers; concurrency caps those outstanding

  @Test
  void aRateSendsOnItsScheduleNotAsFastAsAnswersCome() throws IOException {
    // 8 closed-loop callers run mlp-small at thousands per second here; 200 per second is the schedule's doing
    SlaResult r = new SlaRunner(runtime).run(spec("rate = 200\nconcurrency = 8\ntargets { p99 = 10s }"));

    assertThat(r.passed()).as(r.checks().toString()).isTrue();
    assertThat(r.measured().requests()).isPositive();
    assertThat(r.measured().throughput()).isLessThanOrEqualTo(200 * 1.5);
    assertThat(r.errors()).isEmpty();
  }

  @Test
  void requestsDueWhileConcurrencyAreOutstandingAreCountedAsBacklog() throws IOException {
    // a million a second with one outstanding: most come due while the one before is still running
    SlaResult r = new SlaRunner(runtime).run(spec("rate = 1e6\nconcurrency = 1"));

    assertThat(r.errors()).containsKey("CLIENT_BACKLOG");
    assertThat(r.firstErrors()).filteredOn(e -> e.kind().equals("CLIENT_BACKLOG")).first()
        .satisfies(e -> assertThat(e.message()).contains("concurrency = 1 requests were outstanding"));
    assertThat(r.passed()).isFalse();
  }

  @Test
  void aRateOfZeroIsRefusedNamingTheRange() throws IOException {
    assertThatThrownBy(() -> spec("rate = 0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate").hasMessageContaining("0");
  }
}
