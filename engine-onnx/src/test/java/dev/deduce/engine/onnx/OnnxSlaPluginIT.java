package dev.deduce.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.perf.plugin.PluginUnderTest;
import dev.deduce.perf.sla.SlaMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLA runner's command line as a plugin author runs it: a plugins folder holding only the built engine-onnx zip,
 * and a model repository holding an ONNX model with its model.conf. Neither this module's classes nor ONNX Runtime
 * are on this test's classpath, so the model can only be served by the engine from the zip.
 */
class OnnxSlaPluginIT {

  @TempDir
  Path dir;

  @Test
  void slaRunnerServesAnOnnxModelRepositoryWithTheEngineFromThePluginZip() throws IOException {
    Path zip = Path.of(System.getProperty(PluginUnderTest.ZIP_PROPERTY));
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path copy = Files.copy(zip, plugins.resolve(zip.getFileName()));
    Path models = dir.resolve("models");
    Path version = Files.createDirectories(models.resolve("mlp-small/1"));
    Path file = new OnnxWriter().write(ModelKit.mlpSmall().graph(), version);
    Files.writeString(version.resolve("model.conf"), "engine = onnx\nfile = " + file.getFileName() + "\n"
        + "batching { max-size = 8 }\ninstances = 2\n");
    Path sla = Files.writeString(dir.resolve("mlp-small.conf"), """
        model = mlp-small
        concurrency = 4
        warm-up = 200ms
        window = 300ms
        max-windows = 3
        stability { windows = 2, tolerance-percent = 1000 }
        targets { p99 = 10s, min-throughput = 10, max-error-rate = 0 }
        """);
    Path reports = dir.resolve("out");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = SlaMain.run(new String[] {"--plugins", plugins.toString(), "--models", models.toString(), "--sla",
        sla.toString(), "--out", reports.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(status).as(printed + err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(printed).contains("onnx (" + copy + ")").doesNotContain("onnx (classpath)")
        .contains("serving the model repository " + models).contains("model mlp-small: versions [1], default 1")
        .contains("every SLA met");
    JsonNode result = new ObjectMapper().readTree(reports.resolve("sla-results.json").toFile()).get("slas").get(0);
    assertThat(result.get("version").asText()).isEqualTo("1");
    assertThat(result.get("passed").asBoolean()).isTrue();
    assertThat(Files.readString(reports.resolve("TEST-sla-mlp-small.xml"))).contains("failures=\"0\"");
  }

  @Test
  void javaDashJarOnTheCliJarHoldsABertLikeModelToItsSlaWithRealTokenIds() throws IOException, InterruptedException {
    Path cli = Path.of(System.getProperty("sla.cli.jar"));
    Path zip = Path.of(System.getProperty(PluginUnderTest.ZIP_PROPERTY));
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(zip, plugins.resolve(zip.getFileName()));
    Path models = dir.resolve("models");
    BertLike.write(Files.createDirectories(models.resolve("bert-like/1")));
    Path reports = dir.resolve("out");
    Path log = dir.resolve("cli.log");
    // the SLA file the surefire suite (BertLikeSlaTest) runs too: one file drives both entry points
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", cli.toString(), "--plugins", plugins.toString(), "--models", models.toString(), "--sla",
        Path.of("src/test/resources/sla/bert-like.conf").toAbsolutePath().toString(), "--out", reports.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("java -jar " + cli + " did not finish in 3 minutes:\n" + Files.readString(log));
    }

    String printed = Files.readString(log);
    assertThat(p.exitValue()).as(printed).isZero();
    assertThat(printed).contains("model bert-like: versions [1]").contains("every SLA met")
        .doesNotContain("[E:onnxruntime");
    JsonNode result = new ObjectMapper().readTree(reports.resolve("sla-results.json").toFile()).get("slas").get(0);
    assertThat(result.get("passed").asBoolean()).isTrue();
    assertThat(result.get("errors").size()).as("errors by kind").isZero();
    assertThat(Files.readString(reports.resolve("sla-report.html"))).contains("<svg").contains("bert-like");
  }
}
