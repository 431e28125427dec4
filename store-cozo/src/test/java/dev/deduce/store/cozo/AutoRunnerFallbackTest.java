package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoRunnerFallbackTest {

  @Test
  void autoRunsOnChicoryWithOneWarningNamingWhyWhenWasmtimesNativeCannotBeExtracted(@TempDir Path tmp)
      throws Exception {
    // the native library is extracted under the cache folder; under a regular file no folder can be made
    Path blocker = Files.writeString(tmp.resolve("not-a-folder"), "x");
    Path cache = blocker.resolve("cozo-cache");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path outFile = tmp.resolve("child.out");
    Path errFile = tmp.resolve("child.err");
    Process child = new ProcessBuilder(java, "-XX:-DontCompileHugeMethods", "-D" + CozoCache.PROPERTY + "=" + cache, "-cp",
        System.getProperty("java.class.path"), AutoFallbackChild.class.getName(), tmp.resolve("store").toString())
        .redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
    boolean exited = child.waitFor(180, TimeUnit.SECONDS);
    if (!exited) {
      child.destroyForcibly();
    }
    String stdout = Files.readString(outFile, StandardCharsets.UTF_8);
    String stderr = Files.readString(errFile, StandardCharsets.UTF_8);
    assertThat(exited).as("child exited; stderr: " + stderr).isTrue();

    assertThat(child.exitValue()).as(stderr).isZero();
    assertThat(stdout.lines().filter(l -> l.startsWith("RUNNER "))).containsExactly("RUNNER ChicoryCozoRunner",
        "RUNNER ChicoryCozoRunner");
    assertThat(stdout.lines()).contains("READ true");
    List<String> warnings = stderr.lines().filter(l -> l.contains("Cozo runs on Chicory")).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("WARN").contains("wasmtime cannot start here")
        .contains("cannot extract wasmtime's native library under " + cache);
  }
}
