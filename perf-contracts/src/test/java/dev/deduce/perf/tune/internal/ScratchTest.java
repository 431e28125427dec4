package dev.deduce.perf.tune.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.tune.TuneResult.Setting;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The private repository each candidate is served from: what it copies, what it writes, what it leaves alone. */
class ScratchTest {

  @TempDir
  Path dir;

  /** Versions 1 and 2 of mlp-small sharing a model-level model.conf whose policy serves only version 2. */
  private Path models() throws IOException {
    Path models = dir.resolve("models");
    for (String v : List.of("1", "2")) {
      new DgraphWriter().write(ModelKit.mlpSmall().graph(), Files.createDirectories(models.resolve("mlp-small/" + v)));
    }
    Files.writeString(models.resolve("mlp-small/model.conf"), "engine = reference\nfile = mlp-small.dgraph\n"
        + "version-policy { versions = [2] }\ninstances = 3\n");
    Files.writeString(models.resolve("mlp-small/1/model.conf"), "batching { enabled = false }\n");
    return models;
  }

  private static DeduceRuntime runtime() {
    return DeduceRuntime.builder().engine(new ReferenceEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
  }

  @Test
  void servesTheTunedVersionEvenWhenTheModelsPolicyWouldDropIt() throws IOException {
    try (Scratch s = Scratch.create(models(), "mlp-small", "1"); DeduceRuntime rt = runtime();
        ModelRepository repo = ModelRepository.builder(rt, s.root()).pollInterval(Duration.ZERO).start()) {
      assertThat(repo.problems()).isEmpty();
      assertThat(rt.versions("mlp-small")).containsExactly("1");
      assertThat(s.engine()).isEqualTo("reference");
    }
  }

  @Test
  void theConfiguredSettingLayersTheVersionOverTheModelOverTheRuntime() throws IOException {
    try (Scratch s = Scratch.create(models(), "mlp-small", "1")) {
      Setting c = s.configured(ModelSettings.defaults());

      assertThat(c.maxSize()).as("batching.enabled = false in version 1").isEqualTo(1);
      assertThat(c.instances()).as("instances = 3 in the model's model.conf").isEqualTo(3);
      assertThat(c.maxQueueDelay()).isEqualTo(ModelSettings.defaults().maxQueueDelay());
    }
  }

  @Test
  void aCandidateIsWrittenOverTheVersionsOwnKeysAndTheFilesAreLinkedNotCopied() throws IOException {
    Path models = models();
    String before = Files.readString(models.resolve("mlp-small/1/model.conf"));
    Path root;
    try (Scratch s = Scratch.create(models, "mlp-small", "1")) {
      root = s.root();
      s.write(Optional.of(new Setting(8, Duration.ofMillis(1), List.of(4), 2, 0)));

      String written = Files.readString(root.resolve("mlp-small/1/model.conf"));
      assertThat(written).contains("\"max-size\" : 8").contains("\"max-queue-delay\" : \"1ms\"")
          .contains("\"instances\" : 2").contains("\"enabled\" : true");
      assertThat(s.copied).isFalse();
      assertThat(Files.isSameFile(root.resolve("mlp-small/1/mlp-small.dgraph"),
          models.resolve("mlp-small/1/mlp-small.dgraph"))).isTrue();
    }
    assertThat(root).doesNotExist();
    assertThat(Files.readString(models.resolve("mlp-small/1/model.conf"))).isEqualTo(before);
    assertThat(models.resolve("mlp-small/1/mlp-small.dgraph")).exists();
  }

  @Test
  void aMalformedModelConfIsRefusedNamingTheFile() throws IOException {
    Path models = models();
    Files.writeString(models.resolve("mlp-small/1/model.conf"), "batching { max-size = \n");

    assertThatThrownBy(() -> Scratch.create(models, "mlp-small", "1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed model config " + models.resolve("mlp-small/1/model.conf"))
        .hasMessageContaining("expected HOCON or JSON");
  }

  @Test
  void aVersionWithoutEngineAndFileIsRefusedNamingWhereItLooked() throws IOException {
    Path models = models();
    Files.writeString(models.resolve("mlp-small/model.conf"), "instances = 2\n");

    assertThatThrownBy(() -> Scratch.create(models, "mlp-small", "1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no model.conf naming engine and file")
        .hasMessageContaining("expected e.g. engine = onnx, file = model.onnx");
  }
}
