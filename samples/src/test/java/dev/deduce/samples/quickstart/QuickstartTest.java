package dev.deduce.samples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.deduce.runtime.Durability;
import org.HdrHistogram.Histogram;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuickstartTest {

  @TempDir
  Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Quickstart.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, name -> name.equals("ORT_DISABLE_TELEMETRY")
            ? "1" : null);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpPrintsUsageAndExitsZero() {
    assertThat(run("--help")).isZero();
    assertThat(out()).startsWith("usage: quickstart [options]").contains("--store sqlite|cozo")
        .contains("--requests N").contains("--concurrency N").contains("--plugins DIR").contains("--models DIR")
        .contains("--data DIR").contains("--durability none|results|durable");
    assertThat(err()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--bogus                       | unknown option '--bogus'; expected --store, --models",
      "--store=mysql                 | --store is 'mysql'; expected sqlite or cozo",
      "--durability=always           | --durability is 'always'; expected none, results or durable",
      "--requests=0                  | --requests is '0'; expected a whole number from 1 to 1000000",
      "--requests=many               | --requests is 'many'; expected a whole number from 1 to 1000000",
      "--concurrency=2000            | --concurrency is '2000'; expected a whole number from 1 to 1024",
      "--concurrency=-3              | --concurrency is '-3'; expected a whole number from 1 to 1024",
      "--requests                    | option --requests needs a value",
      "stray                         | unexpected argument 'stray'; expected options starting with --",
      "--data=                       | --data is empty; expected a folder",
      "--help=yes                    | --help takes no value; got 'yes'",
  })
  void badOptionsSayWhatWasExpectedAndPrintUsageWithExitCodeTwo(String arg, String message) {
    assertThat(run(arg)).isEqualTo(2);
    assertThat(err()).startsWith("quickstart: " + message).contains("usage: quickstart [options]");
    assertThat(out()).isEmpty();
  }

  @Test
  void optionGivenTwiceIsRejected() {
    assertThat(run("--requests", "5", "--requests", "6")).isEqualTo(2);
    assertThat(err()).startsWith("quickstart: option --requests is given twice; expected it at most once");
  }

  @Test
  void unknownOptionBesideHelpIsStillRejected() {
    assertThat(run("--help", "--bogus")).isEqualTo(2);
    assertThat(err()).startsWith("quickstart: unknown option '--bogus'; expected --store").contains("usage:");
    assertThat(out()).isEmpty();
  }

  @Test
  void optionMissingItsValueBeforeAnotherOptionIsRejected() {
    assertThat(run("--store", "--requests", "5")).isEqualTo(2);
    assertThat(err()).startsWith("quickstart: option --store needs a value");
  }

  @Test
  void defaultsSizeTheRunToTheStore() throws Exception {
    Options sqlite = Options.parse();
    assertThat(sqlite.store()).isEqualTo("sqlite");
    assertThat(sqlite.requests()).isEqualTo(Options.SQLITE_REQUESTS);
    assertThat(sqlite.concurrency()).isEqualTo(16);
    assertThat(sqlite.plugins()).isEqualTo(Path.of("plugins"));
    assertThat(sqlite.durability()).isEqualTo(Durability.DURABLE);
    assertThat(Options.parse("--durability", "None").durability()).isEqualTo(Durability.NONE);
    assertThat(Options.parse("--durability=results").durability()).isEqualTo(Durability.RESULTS);
    Options cozo = Options.parse("--store", "COZO", "--concurrency=4");
    assertThat(cozo.store()).isEqualTo("cozo");
    assertThat(cozo.requests()).isEqualTo(Options.COZO_REQUESTS);
    assertThat(cozo.concurrency()).isEqualTo(4);
    assertThat(Options.parse("--store=cozo", "--requests", "7").requests()).isEqualTo(7);
  }

  @Test
  void missingPluginsFolderIsReportedWithExitCodeOne() {
    Path missing = tmp.resolve("no-plugins");
    assertThat(run("--plugins", missing.toString(), "--models", tmp.resolve("models").toString(),
        "--data", tmp.resolve("data").toString())).isEqualTo(1);
    assertThat(err()).contains("quickstart: the plugins folder " + missing.toAbsolutePath() + " does not exist;"
        + " expected the engine-onnx and store plugin zips in it");
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  @Test
  void pluginsFolderWithoutTheOnnxEngineIsReportedWithExitCodeOne() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("plugins"));
    assertThat(run("--plugins", empty.toString(), "--models", tmp.resolve("models").toString(),
        "--data", tmp.resolve("data").toString())).isEqualTo(1);
    assertThat(err()).contains("quickstart: no engine 'onnx' in " + empty.toAbsolutePath() + " or on the"
        + " classpath; expected the engine-onnx plugin zip there (engines found: [reference]");
    // the model was written before the plugins were looked at, and is a loadable ONNX file with its config
    assertThat(tmp.resolve("models/mlp-small/1/mlp-small.onnx")).isNotEmptyFile();
    assertThat(tmp.resolve("models/mlp-small/1/model.conf")).content().contains("engine = onnx")
        .contains("max-size = 16");
  }

  @Test
  void onnxTelemetryLeftOnIsRefusedBeforeAnyPluginLoads() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    int code = Quickstart.run(new String[] {"--plugins", plugins.toString(), "--models",
        tmp.resolve("models").toString(), "--data", tmp.resolve("data").toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        false, name -> null);
    assertThat(code).isEqualTo(1);
    assertThat(err()).startsWith("quickstart: ORT_DISABLE_TELEMETRY is not set to 1; expected it in the"
        + " environment");
    assertThat(tmp.resolve("models")).doesNotExist();
  }

  @Test
  void percentileIsTheNearestRank() {
    Histogram oneToHundred = new Histogram(3);
    for (int i = 100; i >= 1; i--) {
      oneToHundred.recordValue(i);
    }
    assertThat(QuickstartRun.percentile(oneToHundred, 0.50)).isEqualTo(50);
    assertThat(QuickstartRun.percentile(oneToHundred, 0.99)).isEqualTo(99);
    Histogram single = new Histogram(3);
    single.recordValue(7);
    assertThat(QuickstartRun.percentile(single, 0.95)).isEqualTo(7);
  }

  @Test
  void percentileOfMillisecondLatenciesIsWithinATenthOfAPercent() {
    Histogram latency = new Histogram(3);
    for (long ms = 1; ms <= 100; ms++) {
      latency.recordValue(ms * 1_000_000 + 123_457);
    }
    assertThat(QuickstartRun.percentile(latency, 0.95)).isCloseTo(95_123_457L, Percentage.withPercentage(0.1));
    assertThat(latency.getMaxValue()).isCloseTo(100_123_457L, Percentage.withPercentage(0.1));
  }

  @Test
  void progressRedrawsInPlaceOnATerminalAndPrintsLinesOtherwise() {
    ByteArrayOutputStream tty = new ByteArrayOutputStream();
    try (Progress p = new Progress(new PrintStream(tty, true, StandardCharsets.UTF_8), true, 4)) {
      for (int i = 0; i < 4; i++) {
        p.completed(i != 2);
      }
    }
    String redrawn = tty.toString(StandardCharsets.UTF_8);
    assertThat(redrawn).startsWith("\r").contains("4/4 100%").contains("1 failed").endsWith(System.lineSeparator());
    assertThat(redrawn.substring(redrawn.lastIndexOf('\r'))).contains("4/4 100%");
    ByteArrayOutputStream pipe = new ByteArrayOutputStream();
    try (Progress p = new Progress(new PrintStream(pipe, true, StandardCharsets.UTF_8), false, 4)) {
      for (int i = 0; i < 4; i++) {
        p.completed(true);
      }
    }
    assertThat(pipe.toString(StandardCharsets.UTF_8)).doesNotContain("\r").contains("4/4 100%");
  }
}
