package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlaSpecTest {

  @TempDir
  Path dir;

  private Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void hoconFileSetsEveryField() throws IOException {
    SlaSpec s = SlaSpec.parse(file("mlp.conf", """
        model = mlp-small
        version = 2
        concurrency = 8
        batch = 4
        inputs { x = [4, 16] }
        warm-up = 1s
        window = 500ms
        duration = 5s
        max-windows = 7
        stability { windows = 4, tolerance-percent = 15, required = true }
        request-timeout = 3s
        targets { p50 = 1ms, p95 = 2ms, p99 = 5ms, min-throughput = 1000, max-error-rate = 0.01 }
        """));
    assertThat(s.name()).isEqualTo("mlp");
    assertThat(s.model()).isEqualTo("mlp-small");
    assertThat(s.version()).contains("2");
    assertThat(s.concurrency()).isEqualTo(8);
    assertThat(s.batch()).isEqualTo(4);
    assertThat(s.inputShapes().get("x")).containsExactly(4, 16);
    assertThat(s.warmUp()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.window()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.duration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.maxWindows()).isEqualTo(7);
    assertThat(s.stableWindows()).isEqualTo(4);
    assertThat(s.tolerancePercent()).isEqualTo(15.0);
    assertThat(s.stabilityRequired()).isTrue();
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.p50()).contains(Duration.ofMillis(1));
    assertThat(s.p95()).contains(Duration.ofMillis(2));
    assertThat(s.p99()).contains(Duration.ofMillis(5));
    assertThat(s.minThroughput()).hasValue(1000.0);
    assertThat(s.maxErrorRate()).isEqualTo(0.01);
  }

  @Test
  void jsonFileWithOnlyAModelTakesDefaults() throws IOException {
    SlaSpec s = SlaSpec.parse(file("only.json", "{\"model\": \"add\"}"));
    assertThat(s.version()).isEmpty();
    assertThat(s.concurrency()).isEqualTo(1);
    assertThat(s.window()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.duration()).isEqualTo(Duration.ofSeconds(20)); // window x max-windows
    assertThat(s.p95()).isEmpty();
    assertThat(s.minThroughput()).isEmpty();
    assertThat(s.maxErrorRate()).isZero();
  }

  @Test
  void folderLoadsEverySlaFileSortedAndIgnoresOthers() throws IOException {
    file("b.conf", "model = b");
    file("a.json", "{\"model\": \"a\"}");
    file("notes.txt", "not an SLA");
    assertThat(SlaSpec.load(dir)).extracting(SlaSpec::name).containsExactly("a", "b");
  }

  @Test
  void emptyFolderIsRefusedWithWhatWasExpected() {
    assertThatThrownBy(() -> SlaSpec.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no .conf or .json file");
  }

  @Test
  void missingPathIsRefused() {
    assertThatThrownBy(() -> SlaSpec.load(dir.resolve("nope"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void missingModelIsRefused() throws IOException {
    Path f = file("x.conf", "concurrency = 2");
    assertThatThrownBy(() -> SlaSpec.parse(f)).hasMessageContaining("has no 'model'");
  }

  @Test
  void unparsableFileNamesTheFile() throws IOException {
    Path f = file("broken.json", "{\"model\": ");
    assertThatThrownBy(() -> SlaSpec.parse(f)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("broken.json").hasMessageContaining("cannot be parsed");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "concurrency = 0                     | concurrency = 0                    | expected 1 to 4096",
      "concurrency = 1.5                   | concurrency = 1.5                  | expected a whole number",
      "batch = many                        | batch = \"many\"                     | expected a whole number",
      "window = soon                       | window = \"soon\"                     | expected a duration",
      "window = 0s                         | window = \"0s\"                      | expected a positive duration",
      "warm-up = -1s                       | warm-up = \"-1s\"                     | expected a duration of zero or more",
      "window = 2s, duration = 1s          | duration = \"1s\"                     | expected at least one window (2s)",
      "targets.p95 = fast                  | targets.p95 = \"fast\"                | expected a duration",
      "targets.max-error-rate = 2          | targets.max-error-rate = 2         | expected a number from 0 to 1",
      "targets.min-throughput = -5         | targets.min-throughput = -5        | expected a number from 0",
      "stability.required = maybe          | stability.required = \"maybe\"        | expected true or false",
      "stability = 3                       | stability = 3                      | expected an object",
      "inputs { x = 16 }                   | inputs.x = 16                      | expected an object with the keys [shape, min, max, value, choices]",
      "inputs { x = [1, -2] }              | inputs.x.shape = [1,-2]            | expected a list of whole dimensions of 0 or more",
      "inputs { x { min = 1 } }            | inputs.x.max = missing             | expected min and max together",
      "inputs { x { min = 9, max = 1 } }   | min = 9                            | expected at most max (1.0)",
      "inputs { x { value = 1, choices = [0, 1] } } | inputs.x.value = 1 | expected one of: a range",
      "inputs { x { mean = 1 } }           | unknown key inputs.x.mean          | expected one of [",
      "dims { sequence = -1 }              | dims.sequence = -1                 | expected 0 or more",
      "concurency = 4                      | unknown key concurency             | expected one of [",
      "targets.p90 = 1ms                   | unknown key targets.p90            | targets.p95",
      "model = \"\"                        | model = \"\"                       | expected a non-blank model name"})
  void badValueNamesKeyValueAndWhatIsAllowed(String line, String keyAndValue, String expected) throws IOException {
    Path f = file("bad.conf", (line.startsWith("model") ? "" : "model = m\n") + line.replace(", ", "\n"));
    assertThatThrownBy(() -> SlaSpec.parse(f)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad.conf").hasMessageContaining(keyAndValue).hasMessageContaining(expected);
  }
}
