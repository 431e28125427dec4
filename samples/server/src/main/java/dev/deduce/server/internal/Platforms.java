package dev.deduce.server.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The platform a model version runs on, from the engine its {@code model.conf} names, in the names Triton uses. */
final class Platforms {

  private static final Map<String, String> BY_ENGINE = Map.of(
      "onnx", "onnxruntime_onnx",
      "tensorflow", "tensorflow_savedmodel",
      "djl", "pytorch_libtorch",
      "reference", "deduce_reference");

  private final Path models;

  /** Reads {@code models/<model>/<version>/model.conf} over {@code models/<model>/model.conf}; null = no repository. */
  Platforms(Path models) {
    this.models = models;
  }

  String platform(String model, String version) {
    if (models == null) {
      return "deduce";
    }
    Optional<String> engine = engine(models.resolve(model).resolve(version).resolve("model.conf"))
        .or(() -> engine(models.resolve(model).resolve("model.conf")));
    return engine.map(e -> BY_ENGINE.getOrDefault(e, e)).orElse("deduce");
  }

  private static Optional<String> engine(Path conf) {
    if (!Files.isRegularFile(conf)) {
      return Optional.empty();
    }
    try {
      Config c = ConfigFactory.parseFile(conf.toFile());
      return c.hasPath("engine") ? Optional.of(c.getString("engine")) : Optional.empty();
    } catch (RuntimeException e) {
      // the repository reports a malformed config itself; metadata only loses its platform name
      return Optional.empty();
    }
  }
}
