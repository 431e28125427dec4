package dev.deduce.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @TempDir
  Path dir;

  private Path file(String hocon) throws IOException {
    Path f = dir.resolve("deduce.conf");
    Files.writeString(f, hocon);
    return f;
  }

  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  @Test
  void bundledDefaultsMatchTheModelSettingsDefaults() {
    RuntimeSettings s = SettingsLoader.load(null, Map.of(), new Properties());
    assertThat(s.durability()).isEqualTo(Durability.NONE);
    assertThat(s.defaultModelSettings().toString()).isEqualTo(ModelSettings.defaults().toString());
    assertThat(s.model("anything").maxBatchSize()).isEqualTo(32);
    assertThat(s.model("anything").maxQueueDelay()).isZero();
  }

  @Test
  void laterLayersWinFileThenEnvironmentThenSystemProperties() throws IOException {
    Path f = file("deduce { durability = RESULTS\n defaults.batching.max-size = 16\n defaults.instances = 2\n"
        + " defaults.deadline = 5s }");
    Map<String, String> env = Map.of("DEDUCE_DEFAULTS_BATCHING_MAX__SIZE", "32", "DEDUCE_DEFAULTS_INSTANCES", "3",
        "UNRELATED", "x");
    Properties sys = props("deduce.defaults.instances", "4");

    RuntimeSettings s = SettingsLoader.load(f, env, sys);

    assertThat(s.durability()).isEqualTo(Durability.RESULTS); // file only
    assertThat(s.defaultModelSettings().deadline()).isEqualTo(Duration.ofSeconds(5)); // file over reference
    assertThat(s.defaultModelSettings().maxBatchSize()).isEqualTo(32); // env over file
    assertThat(s.defaultModelSettings().instances()).isEqualTo(4); // system property over env
    assertThat(s.defaultModelSettings().queueCapacity()).isEqualTo(1024); // reference
  }

  @Test
  void configFileCanBeNamedByEnvironment() throws IOException {
    Path f = file("deduce.defaults.queue.capacity = 7");
    RuntimeSettings s = SettingsLoader.load(null, Map.of("DEDUCE_CONFIG__FILE", f.toString()), new Properties());
    assertThat(s.defaultModelSettings().queueCapacity()).isEqualTo(7);
  }

  @Test
  void perModelKeysOverrideTheDefaultsAndInheritTheRest() throws IOException {
    Path f = file("deduce { defaults.batching.max-size = 16\n"
        + " models { resnet { batching.max-size = 64, batching.preferred-sizes = [16, 32] }\n"
        + " \"bert.v2\" { instances = 3 } } }");
    RuntimeSettings s = SettingsLoader.load(f, Map.of("DEDUCE_MODELS_RESNET_INSTANCES", "2"), new Properties());

    ModelSettings resnet = s.model("resnet");
    assertThat(resnet.maxBatchSize()).isEqualTo(64);
    assertThat(resnet.preferredBatchSizes()).containsExactly(16, 32);
    assertThat(resnet.instances()).isEqualTo(2);
    assertThat(resnet.maxQueueDelay()).isZero();
    assertThat(s.model("bert.v2").instances()).isEqualTo(3);
    assertThat(s.model("bert.v2").maxBatchSize()).isEqualTo(16);
    assertThat(s.model("other").maxBatchSize()).isEqualTo(16);
  }

  @Test
  void listsCanComeFromEnvironmentAsCommaSeparatedText() {
    RuntimeSettings s = SettingsLoader.load(null, Map.of("DEDUCE_DEFAULTS_BATCHING_PREFERRED__SIZES", "2, 4"),
        new Properties());
    assertThat(s.defaultModelSettings().preferredBatchSizes()).containsExactly(2, 4);
  }

  @Test
  void outOfRangeValueFailsNamingKeyValueOriginAndWhatIsAllowed() throws IOException {
    Path f = file("deduce.models.resnet.batching.max-size = 0");
    assertThatThrownBy(() -> SettingsLoader.load(f, Map.of(), new Properties()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deduce.models.resnet.batching.max-size = 0")
        .hasMessageContaining("deduce.conf")
        .hasMessageContaining("expected 1 or more");
  }

  @Test
  void wrongTypeFailsNamingKeyValueAndType() {
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of(), props("deduce.defaults.deadline", "soon")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deduce.defaults.deadline = \"soon\"")
        .hasMessageContaining("expected a duration such as 250ms");
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("DEDUCE_DEFAULTS_INSTANCES", "many"),
        new Properties()))
        .hasMessageContaining("deduce.defaults.instances = \"many\"").hasMessageContaining("a whole number");
  }

  @Test
  void unknownDurabilityFailsListingTheModes() {
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of("DEDUCE_DURABILITY", "sometimes"), new Properties()))
        .hasMessageContaining("deduce.durability = \"sometimes\"").hasMessageContaining("one of NONE, RESULTS, DURABLE");
  }

  @Test
  void valuesThatDependOnEachOtherAreChecked() throws IOException {
    Path f = file("deduce.defaults.batching { max-size = 4, preferred-sizes = [2, 8] }");
    assertThatThrownBy(() -> SettingsLoader.load(f, Map.of(), new Properties()))
        .hasMessageContaining("deduce.defaults.batching.preferred-sizes = [2,8]")
        .hasMessageContaining("sizes of at most batching.max-size, which is 4");
  }

  @Test
  void misspelledKeyFailsInsteadOfBeingIgnored() throws IOException {
    Path f = file("deduce.models.resnet.batching.max-sise = 4");
    assertThatThrownBy(() -> SettingsLoader.load(f, Map.of(), new Properties()))
        .hasMessageContaining("unknown key deduce.models.resnet.batching.max-sise")
        .hasMessageContaining("batching.max-size");
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of(), props("deduce.durabilty", "NONE")))
        .hasMessageContaining("unknown key deduce.durabilty");
  }

  @Test
  void missingOrUnparsableFileFailsNamingIt() throws IOException {
    Path missing = dir.resolve("nope.conf");
    assertThatThrownBy(() -> SettingsLoader.load(missing, Map.of(), new Properties()))
        .hasMessageContaining("config file " + missing + " does not exist");
    Path broken = file("deduce { defaults {");
    assertThatThrownBy(() -> SettingsLoader.load(broken, Map.of(), new Properties()))
        .hasMessageContaining("config file " + broken + " cannot be parsed");
  }

  @Test
  void modelSettingsBuilderRejectsBadValuesWithTheKeyName() {
    assertThatThrownBy(() -> ModelSettings.builder().retryJitter(1.5).build())
        .hasMessage("bad setting retry.jitter = 1.5 (ModelSettings.builder()): expected 0.0 up to but not including 1.0");
    assertThatThrownBy(() -> ModelSettings.builder().deadline(Duration.ZERO).build())
        .hasMessage("bad setting deadline = \"0s\" (ModelSettings.builder()): expected a positive duration, e.g. 100ms");
    assertThatThrownBy(() -> ModelSettings.builder().preferredBatchSizes(List.of(0)).build())
        .hasMessageContaining("batching.preferred-sizes = [0]");
    ModelSettings s = ModelSettings.builder().maxBatchSize(4).build();
    assertThat(s.toBuilder().instances(2).build().maxBatchSize()).isEqualTo(4);
  }

  @Test
  void runtimeRefusesDurableModeWithoutAStore() {
    assertThatThrownBy(() -> Fixtures.runtime().durability(Durability.DURABLE).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("durability DURABLE needs a store");
  }
}
