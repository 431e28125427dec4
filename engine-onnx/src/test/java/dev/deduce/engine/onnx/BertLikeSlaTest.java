package dev.deduce.engine.onnx;

import dev.deduce.perf.sla.SlaSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLA files under src/test/resources/sla as a plugin author's build runs them: each is a test, here a BERT-shaped
 * model fed token ids inside its vocabulary, served from a folder in the simple layout by the classpath's ONNX engine.
 */
class BertLikeSlaTest extends SlaSuite {

  @TempDir
  static Path dir;

  private Path models;

  @BeforeAll
  void writeModels() throws IOException {
    models = dir.resolve("models");
    BertLike.write(Files.createDirectories(models.resolve("bert-like/1")));
  }

  @Override
  protected Path models() {
    return models;
  }

  @Override
  protected Path slas() {
    return Path.of("src/test/resources/sla");
  }
}
