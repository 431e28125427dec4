package dev.deduce.samples.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.DataType;
import dev.deduce.reference.ReferenceGraph;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuiceHostAppTest {

  @TempDir
  Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return GuiceHostApp.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private Path models() throws Exception {
    Path v1 = Files.createDirectories(tmp.resolve("models").resolve("relu").resolve("1"));
    ReferenceGraph.builder("relu").input("x", DataType.FLOAT32, -1, 3).op(ReferenceGraph.Op.RELU, "y", "x")
        .output("y").build().write(v1.resolve("relu.dgraph"));
    Files.writeString(v1.resolve("model.conf"), "engine = reference\nfile = relu.dgraph\n");
    return tmp.resolve("models");
  }

  @Test
  void servesEveryModelOfTheFolderAndReportsReady() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    int code = run(plugins.toString(), models().toString(), "2");

    assertThat(code).as(out()).isZero();
    assertThat(out()).contains("engines [reference (classpath)]")
        .contains("model relu versions [1], serving 1")
        // relu of the inputs the app makes: -1, -0.5, 0 and then 0, 0.5, 1
        .contains("request 0: {x=Tensor[FLOAT32 [1, 3] -1.0, -0.5, 0.0]} -> version 1 {y=Tensor[FLOAT32 [1, 3] 0.0, "
            + "0.0, 0.0]}")
        .contains("request 1: {x=Tensor[FLOAT32 [1, 3] 0.0, 0.5, 1.0]} -> version 1 {y=Tensor[FLOAT32 [1, 3] 0.0, "
            + "0.5, 1.0]}")
        .contains("health: live=true ready=true");
  }

  @Test
  void brokenModelIsReportedInTheHealthAndTheExitCode() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    Path models = models();
    Path bad = Files.createDirectories(models.resolve("broken").resolve("1"));
    Files.writeString(bad.resolve("model.conf"), "engine = onnx\nfile = model.onnx\n");

    assertThat(run(plugins.toString(), models.toString())).isEqualTo(1);
    assertThat(out()).contains("model broken: not served").contains("health: live=true ready=false")
        .contains("model 'broken' has no serving version").contains("unknown engine id 'onnx'")
        .contains("request 2:");
  }

  @Test
  void badArgumentsPrintUsage() throws Exception {
    assertThat(run("only-one")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: GuiceHostApp <plugins-folder>");
    Path missing = tmp.resolve("missing");
    assertThat(run(missing.toString(), models().toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(missing + " is not a folder; expected the plugins");
    assertThat(run(tmp.toString(), models().toString(), "many")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("requests-per-model is 'many'");
  }
}
