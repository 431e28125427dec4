package dev.deduce.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.flink.internal.SubtaskHost;
import dev.deduce.flink.job.ExampleModel;
import dev.deduce.runtime.Durability;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a subtask's host is resolved from the spec, the job parameters and the distributed cache, and refused. */
class HostSpecTest {

  private static final Duration WAIT = Duration.ofMillis(200);

  @TempDir
  Path tmp;

  private static Function<String, File> noCache() {
    return name -> {
      throw new IllegalArgumentException("File with name '" + name + "' is not available.");
    };
  }

  private SubtaskHost start(HostSpec spec, Map<String, String> params, int subtask) {
    return SubtaskHost.start(spec, params, noCache(), "deduce-mlp-small", subtask, WAIT);
  }

  @Test
  void eachSubtaskGetsItsOwnStoreFileNamedByUidAndIndexWithResultsDurability() {
    Path models = ExampleModel.write(tmp.resolve("models"), ExampleModel.CONFIG);
    HostSpec spec = HostSpec.builder().models(models.toString()).store("sqlite", tmp.resolve("s").toString()).build();
    try (SubtaskHost a = start(spec, Map.of(), 0); SubtaskHost b = start(spec, Map.of(), 1)) {
      assertThat(a.storeLocation()).contains(tmp.resolve("s").resolve("deduce-mlp-small-0"));
      assertThat(b.storeLocation()).contains(tmp.resolve("s").resolve("deduce-mlp-small-1"));
      assertThat(a.host().runtime().durability()).isEqualTo(Durability.RESULTS);
      assertThat(a.host().runtime().versions(ExampleModel.NAME)).containsExactly("1");
    }
  }

  @Test
  void theJobParametersGiveTheModelsStoreAndDurabilityAndACacheEntryResolvesToItsLocalCopy() {
    Path models = ExampleModel.write(tmp.resolve("models"), ExampleModel.CONFIG);
    Map<String, String> params = Map.of("deduce.repository.dir", "cache:models", "deduce.store.id", "sqlite",
        HostSpec.STORE_DIR_PARAMETER, tmp.resolve("s").toString(), "deduce.durability", "none", "unrelated", "x");
    Function<String, File> cache = name -> name.equals("models") ? models.toFile() : null;
    try (SubtaskHost h = SubtaskHost.start(HostSpec.fromJobParameters(), params, cache, "op", 2, WAIT)) {
      assertThat(h.host().runtime().versions(ExampleModel.NAME)).containsExactly("1");
      assertThat(h.host().runtime().durability()).isEqualTo(Durability.NONE);
      assertThat(h.storeLocation()).contains(tmp.resolve("s").resolve("op-2"));
    }
  }

  @Test
  void aSecondWriterOfOneSubtasksStoreIsRefusedNamingTheLock() {
    HostSpec spec = HostSpec.builder().store("sqlite", tmp.resolve("s").toString()).build();
    try (SubtaskHost first = start(spec, Map.of(), 0)) {
      assertThat(first.storeLocation()).isPresent();
      assertThatThrownBy(() -> start(spec, Map.of(), 0)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("deduce-mlp-small-0.lock").hasMessageContaining("one writer per subtask file");
    }
    // released on close: the next attempt of the subtask opens it
    try (SubtaskHost again = start(spec, Map.of(), 0)) {
      assertThat(again.storeLocation()).isPresent();
    }
  }

  @Test
  void durableIsRefusedBecauseItsSubmitWouldBlockTheTaskThread() {
    assertThatThrownBy(() -> HostSpec.builder().durability(Durability.DURABLE))
        .hasMessageContaining("block Flink's task thread").hasMessageContaining("expected NONE or RESULTS");
    HostSpec spec = HostSpec.builder().store("sqlite", tmp.toString()).build();
    assertThatThrownBy(() -> start(spec, Map.of("deduce.durability", "DURABLE"), 0))
        .hasMessageContaining("block Flink's task thread");
  }

  @Test
  void oneStoreLocationForAllSubtasksIsRefusedNamingTheFolderSetting() {
    assertThatThrownBy(() -> start(HostSpec.fromJobParameters(), Map.of("deduce.store.id", "sqlite",
        "deduce.store.location", "/data/one.sqlite"), 0))
        .hasMessageContaining("deduce.store.location is '/data/one.sqlite'")
        .hasMessageContaining(HostSpec.STORE_DIR_PARAMETER);
  }

  @Test
  void aStoreIdWithoutAFolderAndAFolderWithoutAnIdAreRefused() {
    assertThatThrownBy(() -> start(HostSpec.fromJobParameters(), Map.of("deduce.store.id", "sqlite"), 0))
        .hasMessageContaining("store 'sqlite' has no folder");
    assertThatThrownBy(() -> start(HostSpec.fromJobParameters(), Map.of(HostSpec.STORE_DIR_PARAMETER, "/x"), 0))
        .hasMessageContaining("store folder '/x' is set but no store id");
  }

  @Test
  void resultsWithoutAStoreIsRefused() {
    assertThatThrownBy(() -> start(HostSpec.builder().durability(Durability.RESULTS).build(), Map.of(), 0))
        .hasMessageContaining("durability is RESULTS but no store is set");
  }

  @Test
  void aCacheLocationTheJobNeverRegisteredIsRefusedNamingTheEntry() {
    assertThatThrownBy(() -> start(HostSpec.builder().models("cache:models").build(), Map.of(), 0))
        .hasMessageContaining("the distributed cache has no entry 'models'")
        .hasMessageContaining("env.registerCachedFile(path, \"models\")");
  }

  @Test
  void blankLocationsAndNonDeduceSettingKeysAreRefusedWhenSet() {
    assertThatThrownBy(() -> HostSpec.builder().models(" ")).hasMessageContaining("models location is ' '");
    assertThatThrownBy(() -> HostSpec.builder().plugins("cache:")).hasMessageContaining("expected a path");
    assertThatThrownBy(() -> HostSpec.builder().setting("drain-timeout", "1s"))
        .hasMessageContaining("starting with 'deduce.'");
  }

  @Test
  void anInferenceStepWithoutIdsInputsOrOutputsIsRefusedNamingWhatIsMissing() {
    assertThatThrownBy(() -> DeduceInference.builder("m",
        org.apache.flink.api.common.typeinfo.Types.STRING).build())
        .hasMessageContaining("missing: ids inputs outputs");
    assertThatThrownBy(() -> DeduceInference.builder("m", org.apache.flink.api.common.typeinfo.Types.STRING)
        .capacity(0)).hasMessageContaining("capacity is 0");
  }
}
