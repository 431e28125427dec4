package dev.deduce.perf.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.perf.sla.SlaMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code SlaMain tune} end to end on the reference engine: exit codes, messages, reports. */
class TuneCommandTest {

  @TempDir
  Path dir;
  private Path sla;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void repository() throws IOException {
    TunerTest.repository(dir);
    sla = Files.writeString(dir.resolve("mlp-small.conf"), TunerTest.QUICK + "targets { p99 = 10s }\n");
  }

  private int run(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "tune";
    System.arraycopy(args, 0, all, 1, args.length);
    return SlaMain.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aSettingMeetingTheSlaExitsZeroPrintingItsFragmentAndWritingTheReports() throws IOException {
    Path reports = dir.resolve("out");

    int status = run("--models", dir.resolve("models").toString(), "--sla", sla.toString(), "--budget", "8s",
        "--out", reports.toString());

    assertThat(status).as(printed() + err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(printed()).contains("tuning mlp-small version 1 for SLA mlp-small (8 callers, batch 1) within 8 s on ")
        .contains(" cores, load average ").contains("#2 configured as configured:").contains("outcome: MET: best: ")
        .contains("model.conf fragment:\n# deduce tune: best setting for mlp-small version 1")
        .contains("note: measured ");
    assertThat(reports.resolve("tune-results.json")).exists();
    assertThat(reports.resolve("tune-report.html")).exists();
    assertThat(Files.readString(reports.resolve("tuned-model.conf"))).contains("batching {").contains("instances = ");
  }

  @Test
  void aBadBudgetExitsTwoSayingWhatADurationLooksLike() {
    int status = run("--models", dir.resolve("models").toString(), "--sla", sla.toString(), "--budget", "ten");

    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("'ten' is not a duration; expected e.g. 90s or 10m")
        .contains("usage: SlaMain tune");
  }

  @Test
  void aMissingSlaExitsTwoNamingTheOption() {
    int status = run("--models", dir.resolve("models").toString());

    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing --sla; expected both --models DIR and --sla");
  }

  @Test
  void aBudgetTooSmallExitsTwoWithTheTunersReason() {
    int status = run("--models", dir.resolve("models").toString(), "--sla", sla.toString(), "--budget", "1s");

    assertThat(status).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("budget 1000 ms is too small");
  }

  @Test
  void helpPrintsTheUsageAndExitsZero() {
    assertThat(run("--help")).isZero();
    assertThat(printed()).contains("usage: SlaMain tune --models DIR --sla FILE").contains("--budget")
        .contains("exit status: 0 a setting met the SLA");
  }
}
