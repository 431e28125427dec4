package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, end to end on the reference engine from the classpath: exit codes, messages and reports. */
class SlaMainTest {

  static final String QUICK = """
      model = mlp-small
      concurrency = 2
      warm-up = 100ms
      window = 300ms
      max-windows = 2
      stability { windows = 2, tolerance-percent = 1000 }
      """;

  @TempDir
  Path dir;
  private Path models;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void modelsFolder() throws IOException {
    models = dir.resolve("models");
    new DgraphWriter().write(ModelKit.mlpSmall().graph(), Files.createDirectories(models.resolve("mlp-small/1")));
  }

  private int run(String... args) {
    return SlaMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path sla(String name, String text) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("sla"));
    return Files.writeString(folder.resolve(name), text);
  }

  @Test
  void metSlaExitsZeroAndWritesJsonAndJUnitXml() throws IOException {
    Path sla = sla("small.conf", QUICK + "targets { p99 = 10s, min-throughput = 1 }");
    Path reports = dir.resolve("out");

    assertThat(run("--models", models.toString(), "--sla", sla.toString(), "--out", reports.toString()))
        .as(err()).isEqualTo(SlaMain.MET);

    assertThat(reports.resolve("sla-results.json")).exists();
    assertThat(Files.readString(reports.resolve("TEST-sla-small.xml"))).contains("failures=\"0\"");
    assertThat(Files.readString(reports.resolve("sla-report.html"))).contains("<span class=\"pass\">PASSED")
        .contains("latency per window (ms)", "p99 target 10000", "min-throughput 1.00 (dashed)", "<polyline")
        .doesNotContain("<script", "http://", "https://");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("engines: [reference (classpath)]")
        .contains("every SLA met");
  }

  @Test
  void missedSlaExitsOneAndTheXmlCarriesTheFailure() throws IOException {
    sla("fast.conf", QUICK + "targets.p50 = 1ns");
    sla("loose.conf", QUICK + "targets.p50 = 10s");
    Path reports = dir.resolve("out");

    assertThat(run("--models=" + models, "--sla=" + dir.resolve("sla"), "--out=" + reports)).isEqualTo(SlaMain.MISSED);

    assertThat(Files.readString(reports.resolve("TEST-sla-fast.xml"))).contains("<failure")
        .contains("p50 latency");
    assertThat(Files.readString(reports.resolve("TEST-sla-loose.xml"))).doesNotContain("<failure");
    assertThat(Files.readString(reports.resolve("sla-report.html"))).contains("<span class=\"fail\">FAILED")
        .contains(">fast</a>: <b>missed</b>", ">loose</a>: met");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("SLA missed: [fast]");
  }

  @Test
  void unversionedSlaDrivesTheHighestVersionNumerically() throws IOException {
    new DgraphWriter().write(ModelKit.mlpSmall().graph(), Files.createDirectories(models.resolve("mlp-small/10")));
    new DgraphWriter().write(ModelKit.mlpSmall().graph(), Files.createDirectories(models.resolve("mlp-small/9")));
    Path reports = dir.resolve("out");

    assertThat(run("--models", models.toString(), "--sla", sla("s.conf", QUICK).toString(), "--out",
        reports.toString())).as(err()).isZero();

    JsonNode json = new ObjectMapper().readTree(reports.resolve("sla-results.json").toFile());
    assertThat(json.get("slas").get(0).get("version").asText()).isEqualTo("10");
  }

  @Test
  void helpPrintsUsageAndExitsZero() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: SlaMain").contains("exit status");
  }

  @Test
  void unknownOptionIsNamedWithUsage() {
    assertThat(run("--model", "x")).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("unknown option '--model'").contains("usage: SlaMain");
  }

  @Test
  void unknownOptionBesideHelpIsStillRefused() {
    assertThat(run("--help", "--model", "x")).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("unknown option '--model'").contains("usage: SlaMain");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void helpGivenAValueIsRefused() {
    assertThat(run("--help=yes")).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--help takes no value; got 'yes'");
  }

  @Test
  void optionWithoutValueSaysWhatItNeeds() {
    assertThat(run("--models", models.toString(), "--sla")).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--sla needs a value; expected --sla an SLA file or a folder of them");
  }

  @Test
  void unknownLogLevelIsRefusedListingTheLevels() throws IOException {
    Path sla = sla("s.conf", QUICK);
    assertThat(run("--models", models.toString(), "--sla", sla.toString(), "--log-level", "loud"))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--log-level is 'loud'; expected one of [off, error, warn, info, debug]");
  }

  @Test
  void missingRequiredOptionIsNamed() {
    assertThat(run("--models", models.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("missing --sla");
  }

  @Test
  void repeatedOptionIsRefused() throws IOException {
    Path sla = sla("s.conf", QUICK);
    assertThat(run("--sla", sla.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--sla is given twice");
  }

  @Test
  void missingFoldersAndFilesAreNamed() throws IOException {
    Path sla = sla("s.conf", QUICK);
    assertThat(run("--models", dir.resolve("nope").toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--models " + dir.resolve("nope") + " does not exist; expected a folder");
    assertThat(run("--models", sla.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("is not a folder");
    assertThat(run("--models", models.toString(), "--sla", sla.toString(), "--config", models.toString()))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--config " + models + " is not a file");
    assertThat(run("--models", models.toString(), "--sla", sla.toString(), "--out", sla.toString()))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("--out " + sla + " is a file; expected a folder for the reports");
  }

  @Test
  void badSlaFileIsNamed() throws IOException {
    Path sla = sla("bad.conf", "model = mlp-small\nconcurrency = none");
    assertThat(run("--models", models.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("bad.conf").contains("concurrency = \"none\"").contains("expected a whole number");
  }

  @Test
  void modelMissingFromTheFolderListsWhatIsThere() throws IOException {
    Path sla = sla("other.conf", "model = resnet");
    assertThat(run("--models", models.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("model 'resnet'").contains("it has models [mlp-small]");
  }

  @Test
  void missingVersionListsTheVersions() throws IOException {
    Path sla = sla("v.conf", "model = mlp-small\nversion = 7");
    assertThat(run("--models", models.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("model 'mlp-small' version 7").contains("served versions: [1]");
  }

  @Test
  void versionFolderWithoutALoadableFileSaysWhichFormatsWork() throws IOException {
    Files.writeString(Files.createDirectories(models.resolve("odd/1")).resolve("weights.bin"), "x");
    Path sla = sla("odd.conf", "model = odd");
    assertThat(run("--models", models.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("exactly one model file").contains("deduce-graph").contains("weights.bin");
  }

  @Test
  void corruptModelFileIsReportedNamingIt() throws IOException {
    Path file = Files.createDirectories(models.resolve("broken/1")).resolve("broken.dgraph");
    Files.writeString(file, "not a graph");
    Path sla = sla("broken.conf", "model = broken");
    assertThat(run("--models", models.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains(file.toString());
  }

  @Test
  void badRuntimeConfigValueNamesTheKey() throws IOException {
    Path config = Files.writeString(dir.resolve("runtime.conf"),
        "deduce.models.mlp-small.batching.max-size = -1");
    Path sla = sla("s.conf", QUICK);
    assertThat(run("--models", models.toString(), "--sla", sla.toString(), "--config", config.toString()))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("batching.max-size");
  }

  @Test
  void emptyPluginsFolderLeavesTheClasspathEngines() throws IOException {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path sla = sla("s.conf", QUICK);
    assertThat(run("--plugins", plugins.toString(), "--models", models.toString(), "--sla", sla.toString(),
        "--out", dir.resolve("out").toString())).as(err()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("reference (classpath)");
  }

  /** A model repository holding mlp-small at {@code versions}, each with a model.conf; {@code modelConf} at model level. */
  private Path repository(String modelConf, int... versions) throws IOException {
    Path repo = dir.resolve("repo");
    for (int v : versions) {
      Path folder = Files.createDirectories(repo.resolve("mlp-small/" + v));
      Path file = new DgraphWriter().write(ModelKit.mlpSmall().graph(), folder);
      Files.writeString(folder.resolve("model.conf"), "engine = reference\nfile = " + file.getFileName() + "\n");
    }
    if (modelConf != null) {
      Files.writeString(repo.resolve("mlp-small/model.conf"), modelConf);
    }
    return repo;
  }

  @Test
  void modelRepositoryWithModelConfIsServedAndDriven() throws IOException {
    Path repo = repository(null, 1);
    Path reports = dir.resolve("out");

    assertThat(run("--models", repo.toString(), "--sla", sla("s.conf", QUICK + "targets.p99 = 10s").toString(),
        "--out", reports.toString())).as(err()).isEqualTo(SlaMain.MET);

    assertThat(out.toString(StandardCharsets.UTF_8)).contains("serving the model repository " + repo)
        .contains("model mlp-small: versions [1], default 1").contains("every SLA met");
    JsonNode json = new ObjectMapper().readTree(reports.resolve("sla-results.json").toFile());
    assertThat(json.get("slas").get(0).get("version").asText()).isEqualTo("1");
  }

  @Test
  void modelRepositoryUnversionedSlaDrivesTheVersionItServesByDefault() throws IOException {
    Path repo = repository("version-policy { latest = 2 }\n", 1, 2);
    Path reports = dir.resolve("out");

    assertThat(run("--models", repo.toString(), "--sla", sla("s.conf", QUICK).toString(), "--out",
        reports.toString())).as(err()).isZero();

    JsonNode json = new ObjectMapper().readTree(reports.resolve("sla-results.json").toFile());
    assertThat(json.get("slas").get(0).get("version").asText()).isEqualTo("2");
  }

  @Test
  void modelRepositoryVersionDroppedByItsPolicyIsNamedWithWhatIsServed() throws IOException {
    Path repo = repository(null, 1, 2);
    Path sla = sla("v1.conf", QUICK + "version = \"1\"");

    assertThat(run("--models", repo.toString(), "--sla", sla.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("SLA v1 needs model 'mlp-small' version 1").contains("served versions: [2]");
  }

  @Test
  void modelRepositoryVersionThatFailsToLoadIsReportedNamingTheFile() throws IOException {
    Path repo = repository(null, 1);
    Path broken = Files.createDirectories(repo.resolve("broken/1"));
    Files.writeString(broken.resolve("broken.dgraph"), "not a graph");
    Files.writeString(broken.resolve("model.conf"), "engine = reference\nfile = broken.dgraph\n");

    assertThat(run("--models", repo.toString(), "--sla", sla("b.conf", "model = broken").toString()))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("warning: ").contains(broken.resolve("broken.dgraph").toString())
        .contains("does not serve (served versions: []; problems: [");
  }

  @Test
  void modelRepositoryWithoutTheSlaModelSaysWhatItExpects() throws IOException {
    Path repo = repository(null, 1);

    assertThat(run("--models", repo.toString(), "--sla", sla("r.conf", "model = resnet").toString()))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err()).contains("model 'resnet'").contains("expected " + repo.resolve("resnet")
        + "/<version>/ with a model.conf");
  }
}
