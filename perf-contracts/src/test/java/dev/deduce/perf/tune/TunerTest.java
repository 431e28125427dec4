package dev.deduce.perf.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Outcome;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tuner end to end on the reference engine's mlp-small, with measurements of a few hundred milliseconds. */
class TunerTest {

  /** Quick measurements: about 0.5 s each. */
  static final String QUICK = """
      model = mlp-small
      concurrency = 8
      warm-up = 100ms
      window = 200ms
      max-windows = 2
      stability { windows = 2, tolerance-percent = 1000 }
      """;

  @TempDir
  static Path shared;
  // one search shared by the tests that read its result: each search takes seconds
  private static TuneResult met;
  private static String confBefore;
  private static String confAfter;
  private static final List<String> PROGRESS = new ArrayList<>();

  @TempDir
  Path dir;
  private Path models;
  private Path conf;

  @BeforeAll
  static void tuneOnce() throws IOException {
    Path conf = repository(shared);
    confBefore = Files.readString(conf);
    SlaSpec spec = SlaSpec.parse(Files.writeString(shared.resolve("mlp-small.conf"), QUICK
        + "targets { p99 = 10s, min-throughput = 1 }"));
    met = Tuner.builder(shared.resolve("models"), spec).budget(Duration.ofSeconds(20)).progress(PROGRESS::add)
        .build().run();
    confAfter = Files.readString(conf);
  }

  /** Writes mlp-small as version 1 of a model repository under {@code dir}; returns its model.conf. */
  static Path repository(Path dir) throws IOException {
    Path version = Files.createDirectories(dir.resolve("models/mlp-small/1"));
    Path file = new DgraphWriter().write(ModelKit.mlpSmall().graph(), version);
    return Files.writeString(version.resolve("model.conf"), "engine = " + ReferenceEngine.ID + "\nfile = "
        + file.getFileName() + "\nbatching { max-size = 2 }\n");
  }

  @BeforeEach
  void ownRepository() throws IOException {
    conf = repository(dir);
    models = dir.resolve("models");
  }

  private SlaSpec sla(String extra) throws IOException {
    return SlaSpec.parse(Files.writeString(dir.resolve("mlp-small.conf"), QUICK + extra));
  }

  private TuneResult tune(String extra, Duration budget) throws IOException {
    return Tuner.builder(models, sla(extra)).budget(budget).build().run();
  }

  @Test
  void findsTheBestSettingMeetingTheSlaWithoutWalkingTheGrid() throws IOException {
    TuneResult r = met;

    assertThat(r.outcome()).as(String.join("\n", PROGRESS)).isEqualTo(Outcome.MET);
    Candidate best = r.best().orElseThrow();
    assertThat(best.stable()).isTrue();
    assertThat(best.metSla()).isTrue();
    assertThat(r.candidates()).allSatisfy(c -> {
      if (c.stable() && c.metSla()) {
        assertThat(best.throughput()).isGreaterThanOrEqualTo(c.throughput() * 0.98);
      }
    });
    assertThat(r.configured().asConfigured()).isTrue();
    assertThat(r.configured().setting().maxSize()).isEqualTo(2);
    assertThat(r.candidates().size()).isGreaterThanOrEqualTo(4).isLessThan((int) r.gridSize());
    assertThat(r.notes().get(0)).contains("measured " + r.candidates().size() + " distinct settings")
        .contains("of " + r.gridSize() + " in the full grid");
    // the reference engine takes no options: threads are reported as not tuned, with the engine's reason
    assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("engine threads not tuned")
        .contains("intra-op-threads"));
    assertThat(r.cores()).isPositive();
    assertThat(r.elapsed()).isLessThanOrEqualTo(Duration.ofSeconds(25));
    assertThat(confAfter).as("the user's model.conf is only read").isEqualTo(confBefore);
    assertThat(PROGRESS).anySatisfy(l -> assertThat(l).startsWith("#2 configured as configured:"));
  }

  @Test
  void theFrontHoldsOnlyStableCandidatesNoOtherBeatsOnBothAxes() throws IOException {
    TuneResult r = met;

    assertThat(r.front()).isNotEmpty();
    for (Candidate f : r.front()) {
      assertThat(f.stable()).isTrue();
      assertThat(r.candidates()).filteredOn(Candidate::stable).noneSatisfy(o -> assertThat(
          o.throughput() > f.throughput() && o.p99() < f.p99()).isTrue());
    }
    assertThat(r.front()).extracting(Candidate::throughput).isSorted();
  }

  @Test
  void theFragmentPastedAtTheEndOfTheModelConfIsServedByTheRepository() throws IOException {
    TuneResult r = met;
    String fragment = r.fragment().orElseThrow();
    assertThat(fragment).contains("max-size = " + r.best().get().setting().maxSize())
        .contains("instances = " + r.best().get().setting().instances());

    Files.writeString(conf, Files.readString(conf) + fragment);
    try (DeduceRuntime rt = DeduceRuntime.builder().engine(new ReferenceEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
        ModelRepository repo = ModelRepository.builder(rt, models).pollInterval(Duration.ZERO).start()) {
      assertThat(repo.problems()).isEmpty();
      assertThat(rt.versions("mlp-small")).containsExactly("1");
    }
  }

  @Test
  void writesTheJsonOfEveryMeasurementTheReportWithTheFrontAndTheFragment() throws IOException {
    TuneResult r = met;
    Path out = dir.resolve("out");

    List<Path> files = r.write(out);

    assertThat(files).containsExactly(out.resolve("tune-results.json"), out.resolve("tune-report.html"),
        out.resolve("tuned-model.conf"));
    JsonNode json = new ObjectMapper().readTree(out.resolve("tune-results.json").toFile());
    assertThat(json.get("outcome").asText()).isEqualTo("met");
    assertThat(json.get("measurements")).hasSize(r.measurements().size());
    assertThat(json.get("machine").get("cores").asInt()).isEqualTo(r.cores());
    assertThat(json.get("machine").has("loadAverageAtStart")).isTrue();
    assertThat(json.get("machine").has("loadAverageAtEnd")).isTrue();
    assertThat(json.get("front")).hasSize(r.front().size());
    assertThat(json.get("settingsMeasured").asInt()).isEqualTo(r.candidates().size());
    assertThat(json.get("measurements").get(0).get("latencyMs").get("p99").asDouble()).isPositive();
    String html = Files.readString(out.resolve("tune-report.html"));
    assertThat(html).contains("<svg").contains("Pareto front").contains("as configured").contains("best")
        .contains("p99 target").contains("model.conf fragment");
    assertThat(Files.readString(out.resolve("tuned-model.conf"))).isEqualTo(r.fragment().get());
  }

  @Test
  void measurementsThatNeverStabiliseReportThatInsteadOfAWinner() throws IOException {
    // a tolerance of 0% over 2 windows: two windows never agree exactly
    TuneResult r = tune("stability { windows = 2, tolerance-percent = 0 }\ntargets { p99 = 10s }",
        Duration.ofSeconds(6));

    assertThat(r.outcome()).isEqualTo(Outcome.UNSTABLE);
    assertThat(r.best()).isEmpty();
    assertThat(r.fragment()).isEmpty();
    assertThat(r.front()).isEmpty();
    assertThat(r.summary()).contains("no measurement stabilised").contains("no winner");
    assertThat(r.write(dir.resolve("out"))).extracting(p -> p.getFileName().toString())
        .containsExactly("tune-results.json", "tune-report.html");
  }

  @Test
  void anSlaNoSettingMeetsNamesTheClosestAndWhatItMissed() throws IOException {
    TuneResult r = tune("targets { p99 = 1ns }", Duration.ofSeconds(6));

    assertThat(r.outcome()).isEqualTo(Outcome.NOT_MET);
    assertThat(r.best()).isEmpty();
    assertThat(r.summary()).contains("no setting met the SLA; closest:").contains("p99");
  }

  @Test
  void underAnArrivalRateTheWinnerHasTheLowestP99OfTheSettingsKeepingUp() throws IOException {
    TuneResult r = tune("rate = 300\ntargets { p99 = 10s }", Duration.ofSeconds(8));

    assertThat(r.outcome()).isEqualTo(Outcome.MET);
    Candidate best = r.best().orElseThrow();
    assertThat(best.throughput()).isLessThanOrEqualTo(300 * 1.5);
    // settings that keep up with the rate tie on throughput (within 2% of the top): the lowest p99 of them wins
    double top = r.candidates().stream().filter(c -> c.stable() && c.metSla()).mapToDouble(Candidate::throughput)
        .max().orElseThrow();
    assertThat(best.throughput()).isGreaterThanOrEqualTo(top * 0.98);
    assertThat(r.candidates()).filteredOn(c -> c.stable() && c.metSla() && c.throughput() >= top * 0.98)
        .allSatisfy(c -> assertThat(c.p99()).isGreaterThanOrEqualTo(best.p99()));
    assertThat(r.fragment().orElseThrow()).contains("(rate 300/s, at most 8 outstanding, batch 1)");
  }

  @Test
  void aBudgetTooSmallForTheMeasurementsIsRefusedNamingTheLeast() throws IOException {
    SlaSpec spec = sla("");
    assertThatThrownBy(() -> Tuner.builder(models, spec).budget(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("budget 1000 ms is too small for SLA mlp-small")
        .hasMessageContaining("warm-up 100 ms + duration 400 ms")
        .hasMessageContaining("expected at least 3500 ms");
  }

  @Test
  void aModelOrVersionTheRepositoryLacksIsRefusedNamingWhatItHolds() throws IOException {
    SlaSpec other = SlaSpec.parse(Files.writeString(dir.resolve("other.conf"), "model = resnet\n"));
    assertThatThrownBy(() -> Tuner.builder(models, other).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names model 'resnet'").hasMessageContaining("expected a folder");
    SlaSpec v7 = SlaSpec.parse(Files.writeString(dir.resolve("v7.conf"), "model = mlp-small\nversion = \"7\"\n"));
    assertThatThrownBy(() -> Tuner.builder(models, v7).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no version 7").hasMessageContaining("expected one of [1]");
    assertThatThrownBy(() -> Tuner.builder(dir.resolve("nowhere"), v7).build())
        .hasMessageContaining("does not exist or is not a folder");
  }

  @Test
  void aModelThatCannotBeServedAsConfiguredIsRefusedWithTheRepositorysReason() throws IOException {
    Files.writeString(conf, "engine = reference\nfile = missing.dgraph\n");
    Tuner t = Tuner.builder(models, sla("")).budget(Duration.ofSeconds(10)).build();

    assertThatThrownBy(t::run).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be served as its model.conf configures it")
        .hasMessageContaining("missing.dgraph");
  }
}
