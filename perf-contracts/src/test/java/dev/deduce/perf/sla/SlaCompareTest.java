package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code SlaMain compare}: ratios per figure, exit 1 on a regression past the limit, 2 on a usage error. */
class SlaCompareTest {

  @TempDir
  Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Path results(String name, double throughput, double p99) throws IOException {
    return Files.writeString(dir.resolve(name), String.format(Locale.ROOT, "{\"passed\": true, \"slas\": [{\"name\":"
        + " \"bert\", \"measured\": {\"throughputPerSecond\": %f, \"latencyMs\": {\"p50\": 1.0, \"p95\": 2.0,"
        + " \"p99\": %f}, \"queueMs\": {\"p50\": 0.5}, \"computeMs\": {\"p50\": 0.4}}}]}", throughput, p99));
  }

  private int run(String... args) {
    return SlaMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void figuresWithinTheLimitPassAndShowTheirRatios() throws IOException {
    Path base = results("base.json", 1000, 3.0);
    Path next = results("new.json", 950, 3.15);
    assertThat(run("compare", base.toString(), next.toString(), "--max-regression", "10")).isEqualTo(SlaMain.MET);
    assertThat(out()).contains("throughput (infer/s)", "x0.950", "latency p99 (ms)", "x1.050",
        "no figure regressed by more than 10.0%");
    assertThat(Files.readString(dir.resolve("comparison.html"))).contains("no regression", "new/base");
  }

  @Test
  void aThroughputDropPastTheLimitExitsOneNamingTheFigure() throws IOException {
    Path base = results("base.json", 1000, 3.0);
    Path next = results("new.json", 800, 3.0);
    assertThat(run("compare", base.toString(), next.toString())).isEqualTo(SlaMain.MISSED);
    assertThat(out()).contains("REGRESSED", "regressed: [bert throughput (infer/s) 20.0% worse]");
  }

  @Test
  void aLatencyRisePastTheLimitExitsOne() throws IOException {
    Path base = results("base.json", 1000, 3.0);
    Path next = results("new.json", 1000, 4.0);
    assertThat(run("compare", base.toString(), next.toString(), "--max-regression", "25")).isEqualTo(SlaMain.MISSED);
    assertThat(out()).contains("bert latency p99 (ms) 33.3% worse");
  }

  @Test
  void badArgumentsAndFilesExitTwoSayingWhatWasExpected() throws IOException {
    Path base = results("base.json", 1000, 3.0);
    assertThat(run("compare", base.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("got 1 result files; expected two");
    Path junk = Files.writeString(dir.resolve("junk.json"), "{\"x\": 1}");
    assertThat(run("compare", base.toString(), junk.toString())).isEqualTo(SlaMain.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("has no \"slas\" list");
    assertThat(run("compare", base.toString(), base.toString(), "--max-regression", "lots"))
        .isEqualTo(SlaMain.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("expected a percent of 0 or more");
    assertThat(run("compare", base.toString(), base.toString(), "--fast")).isEqualTo(SlaMain.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --fast");
  }
}
