package dev.deduce.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult;
import dev.deduce.perf.tune.TuneResult.Measurement;
import dev.deduce.perf.tune.Tuner;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tuner on ONNX Runtime (engine from this module's classes, found on the classpath): the engine takes
 * {@code intra-op-threads}, so engine threads are searched too. Measurements are tiny; the mlp-large run at 64
 * callers is the manual one in perf-contracts' README.
 */
class OnnxTunerTest {

  @TempDir
  Path dir;

  @Test
  void tunesAnOnnxModelIncludingEngineThreads() throws IOException {
    Path version = Files.createDirectories(dir.resolve("models/mlp-small/1"));
    Path file = new OnnxWriter().write(ModelKit.mlpSmall().graph(), version);
    Path conf = Files.writeString(version.resolve("model.conf"), "engine = onnx\nfile = " + file.getFileName()
        + "\n");
    SlaSpec sla = SlaSpec.parse(Files.writeString(dir.resolve("mlp-small.conf"), """
        model = mlp-small
        concurrency = 8
        warm-up = 100ms
        window = 200ms
        max-windows = 2
        stability { windows = 2, tolerance-percent = 1000 }
        targets { p99 = 10s }
        """));
    List<String> progress = new ArrayList<>();

    TuneResult r = Tuner.builder(dir.resolve("models"), sla).budget(Duration.ofSeconds(20)).progress(progress::add)
        .build().run();

    assertThat(r.outcome()).as(String.join("\n", progress)).isEqualTo(TuneResult.Outcome.MET);
    assertThat(r.engine()).isEqualTo("onnx");
    assertThat(r.measurements()).filteredOn(m -> m.setting() != null && m.setting().engineThreads() > 0)
        .as(String.join("\n", progress)).isNotEmpty().allSatisfy(m -> assertThat(m.measured()).isTrue());
    assertThat(r.notes()).noneSatisfy(n -> assertThat(n).contains("engine threads not tuned"));
    assertThat(r.measurements()).filteredOn(Measurement::measured).hasSizeGreaterThanOrEqualTo(5);
    // the fragment serves: pasted at the end of the model.conf, the repository loads it
    Files.writeString(conf, Files.readString(conf) + r.fragment().orElseThrow());
    try (DeduceRuntime rt = DeduceRuntime.builder().engine(new OnnxEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
        ModelRepository repo = ModelRepository.builder(rt, dir.resolve("models")).pollInterval(Duration.ZERO)
            .start()) {
      assertThat(repo.problems()).isEmpty();
      assertThat(rt.versions("mlp-small")).containsExactly("1");
    }
  }
}
