package dev.deduce.flink.job;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The example job's model: ModelKit's mlp-small (16 -> 32 relu -> 4 softmax) for the pure-Java reference engine, which
 * every host has on its classpath, so the job runs with no engine plugin.
 */
public final class ExampleModel {

  /** The model's name in the repository. */
  public static final String NAME = ModelKit.MLP_SMALL;

  /** Batching up to 16 over two instances; the queue holds what 4 subtasks' worth of capacity could send. */
  public static final String CONFIG = String.join("\n",
      "# written by the Deduce Flink example: ModelKit's mlp-small on the reference engine",
      "engine = reference",
      "file = mlp-small.dgraph",
      "batching { enabled = true, max-size = 16, max-queue-delay = 2ms }",
      "instances = 2",
      "deadline = 30s",
      "queue { capacity = 1024 }",
      "");

  private ExampleModel() {}

  /** The oracle: ModelKit's mlp-small, whose graph evaluates the expected answers. */
  public static ReferenceModel reference() {
    return ModelKit.mlpSmall();
  }

  /**
   * Writes {@code models/mlp-small/1/} (the graph and {@code config}) unless a model.conf is there already.
   *
   * @return {@code models}
   */
  public static Path write(Path models, String config) {
    Path version = models.resolve(NAME).resolve("1");
    try {
      if (!Files.isRegularFile(version.resolve("model.conf"))) {
        Files.createDirectories(version);
        new DgraphWriter().write(reference().graph(), version);
        Files.writeString(version.resolve("model.conf"), config);
      }
      return models;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the example model into " + version, e);
    }
  }
}
