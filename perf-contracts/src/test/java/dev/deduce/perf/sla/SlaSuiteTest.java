package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JUnit entry point driven by hand, so a missed SLA's failure can be looked at rather than failing this build. */
class SlaSuiteTest {

  /** A one-second SLA on mlp-small, as the command line's tests use it. */
  private static final String QUICK = SlaMainTest.QUICK;

  @TempDir
  Path dir;

  /** A suite over the folders this test writes, as a plugin author's subclass would say them. */
  private static final class Suite extends SlaSuite {
    private final Path models;
    private final Path slas;
    private final Path reports;

    Suite(Path models, Path slas, Path reports) {
      this.models = models;
      this.slas = slas;
      this.reports = reports;
    }

    @Override
    protected Path models() {
      return models;
    }

    @Override
    protected Path slas() {
      return slas;
    }

    @Override
    protected Path reports() {
      return reports;
    }
  }

  @Test
  void eachSlaFileIsATestNamedAfterItAndAMissedOneFailsWithItsFiguresAndChecks() throws Throwable {
    Path models = dir.resolve("models");
    new DgraphWriter().write(ModelKit.mlpSmall().graph(), Files.createDirectories(models.resolve("mlp-small/1")));
    Path slas = Files.createDirectories(dir.resolve("sla"));
    Files.writeString(slas.resolve("fast.conf"), QUICK + "targets.p50 = 1ns");
    Files.writeString(slas.resolve("loose.conf"), QUICK + "targets.p50 = 10s");
    Path reports = dir.resolve("reports");
    Suite suite = new Suite(models, slas, reports);

    List<DynamicTest> tests = suite.eachSla().toList();
    assertThat(tests).extracting(DynamicTest::getDisplayName).containsExactly("fast", "loose");
    assertThatThrownBy(() -> tests.get(0).getExecutable().execute()).isInstanceOf(AssertionError.class)
        .hasMessageContaining("SLA fast missed (model mlp-small version 1)")
        .hasMessageContaining("infer/s").hasMessageContaining("FAILED  p50");
    tests.get(1).getExecutable().execute();
    suite.writeReports();

    assertThat(reports.resolve("sla-results.json")).content().contains("\"fast\"").contains("\"loose\"");
    assertThat(reports.resolve("sla-report.html")).content().contains(">fast</a>: <b>missed</b>");
  }

  @Test
  void aModelTheFolderDoesNotServeFailsTheFactoryNamingIt() throws IOException {
    Path models = Files.createDirectories(dir.resolve("models"));
    Path slas = Files.createDirectories(dir.resolve("sla"));
    Files.writeString(slas.resolve("resnet.conf"), "model = resnet");
    Suite suite = new Suite(models, slas, dir.resolve("reports"));

    assertThatThrownBy(suite::eachSla).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs model 'resnet'");
    suite.writeReports();
    assertThat(dir.resolve("reports")).doesNotExist();
  }
}
