package dev.deduce.samples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.RequestStatus;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.plugin.PluginHost;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoredRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the quickstart as the README does: a forked JVM whose classpath holds neither engine-onnx nor store-sqlite,
 * with the plugin zips the build made, then opens its SQLite file through the store plugin and counts what is there.
 */
class QuickstartIT {

  private static final int REQUESTS = 200;

  @TempDir
  Path tmp;

  private record Run(int exitCode, String out, String err) {}

  @Test
  void runsTwiceThroughThePluginZipsAndTheSecondRunAppendsItsOwnRecords() throws Exception {
    Run first = quickstart();
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    assertThat(first.out())
        .contains("DURABLE on sqlite")
        .containsPattern("plugin +engine-onnx \\S+ from deduce-engine-onnx-plugin\\.zip: engine onnx")
        .containsPattern("plugin +store-sqlite \\S+ from deduce-store-sqlite-plugin\\.zip: store sqlite")
        .doesNotContain("classpath engine onnx").doesNotContain("classpath store sqlite")
        .contains("0 requests stored by earlier runs, 0 PENDING to recover")
        .contains("100%")
        .contains("200 in ").contains("200 succeeded, 0 failed")
        .containsPattern("p50 [0-9.]+ ms  p95 [0-9.]+ ms  p99 [0-9.]+ ms")
        .containsPattern("batches +[0-9,]+ engine runs")
        .contains("200 checked against the pure-Java oracle: all within tolerance")
        .containsPattern("mlp-small +1 +200 +200 +0 +0")
        .contains("0 PENDING requests recovered from earlier runs, 200 requests stored in total (0 before this run,"
            + " +200), 0 PENDING");
    List<StoredRequest> afterFirst = stored();
    assertThat(afterFirst).hasSize(REQUESTS).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(RequestStatus.DONE);
      assertThat(r.version()).isEqualTo("1");
      Tolerance.assertMatches(r.outputs(), QuickstartModel.MODEL.expected(r.request().inputs()), r.requestId());
    });

    Run second = quickstart();
    assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
    assertThat(second.out())
        .contains("200 requests stored by earlier runs, 0 PENDING to recover")
        .containsPattern("mlp-small +1 +400 +400 +0 +0")
        .contains("0 PENDING requests recovered from earlier runs, 400 requests stored in total (200 before this run,"
            + " +200), 0 PENDING");
    List<StoredRequest> afterSecond = stored();
    Set<String> ids = new HashSet<>();
    afterSecond.forEach(r -> ids.add(r.requestId()));
    assertThat(ids).hasSize(2 * REQUESTS).containsAll(afterFirst.stream().map(StoredRequest::requestId).toList());
    assertThat(afterSecond).allSatisfy(r -> assertThat(r.status()).isEqualTo(RequestStatus.DONE));
  }

  private Run quickstart() throws IOException, InterruptedException {
    Path classpathFile = Path.of(System.getProperty("quickstart.classpath.file"));
    String classpath = System.getProperty("quickstart.classes") + java.io.File.pathSeparator
        + Files.readString(classpathFile).strip();
    assertThat(classpath).doesNotContain("deduce-engine-onnx").doesNotContain("deduce-store-sqlite")
        .doesNotContain("onnxruntime").doesNotContain("sqlite-jdbc");
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, Quickstart.class.getName(),
        "--plugins", plugins().toString(), "--models", tmp.resolve("models").toString(),
        "--data", tmp.resolve("data").toString(), "--requests", String.valueOf(REQUESTS), "--concurrency", "8")
        .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("the quickstart did not finish within 180 s; its output so far:\n"
          + Files.readString(out) + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Path plugins() {
    return Path.of(System.getProperty("quickstart.plugins"));
  }

  /** Every stored request, read through the store plugin from its zip (this JVM has no store on its classpath). */
  private List<StoredRequest> stored() throws IOException {
    Path storeOnly = Files.createDirectories(tmp.resolve("store-plugin"));
    Files.copy(plugins().resolve("deduce-store-sqlite-plugin.zip"), storeOnly.resolve("store-sqlite.zip"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<StoredRequest> all = new ArrayList<>();
    try (PluginHost host = PluginHost.builder().pluginsDir(storeOnly).start();
        Store store = host.store("sqlite").orElseThrow()
            .open(new StoreConfig(tmp.resolve("data").resolve("quickstart.sqlite"), Map.of()))) {
      assertThat(store.pending()).isEmpty();
      Optional<HistoryQuery> q = Optional.of(HistoryQuery.all().withPageSize(HistoryQuery.MAX_PAGE_SIZE));
      while (q.isPresent()) {
        Page<StoredRequest> page = store.history(q.get());
        all.addAll(page.items());
        q = q.get().next(page);
      }
      Object n = store.nativeQuery().orElseThrow().query("SELECT COUNT(*) AS n FROM deduce_requests", Map.of())
          .get(0).get("n");
      assertThat(((Number) n).longValue()).isEqualTo(all.size());
    }
    return all;
  }
}
