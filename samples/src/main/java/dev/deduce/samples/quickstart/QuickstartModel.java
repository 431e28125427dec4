package dev.deduce.samples.quickstart;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.onnx.OnnxWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** The model the quickstart serves: ModelKit's mlp-small written as ONNX into a model repository, and its inputs. */
final class QuickstartModel {

  static final ReferenceModel MODEL = ModelKit.mlpSmall();
  static final String NAME = MODEL.name();
  static final String VERSION = "1";
  /** The output the Cozo store indexes for vector search: 4 softmax probabilities. */
  static final String EMBEDDING = "probs";
  static final int EMBEDDING_DIM = 4;
  static final int MAX_BATCH = 16;

  // a deadline far above any run's latency: a slow machine should show slow numbers, not failed requests
  static final String CONFIG = String.join("\n",
      "# written by the quickstart: ModelKit's mlp-small (16 -> 32 relu -> 4 softmax) as ONNX",
      "engine = onnx",
      "format = onnx",
      "file = " + NAME + ".onnx",
      "batching { enabled = true, max-size = " + MAX_BATCH + ", max-queue-delay = 2ms, preferred-sizes = [8, 16] }",
      "instances = 2",
      "deadline = 60s",
      "queue { capacity = 2048 }",
      "");

  private QuickstartModel() {}

  /** Writes {@code <models>/mlp-small/1/} (the .onnx file and model.conf) and returns the model file. */
  static Path write(Path models) throws IOException {
    Path version = models.resolve(NAME).resolve(VERSION);
    Files.createDirectories(version);
    Path file = new OnnxWriter().write(MODEL.graph(), version);
    Files.writeString(version.resolve("model.conf"), CONFIG);
    return file;
  }

  /** The inputs of request {@code i}: one row of 16 floats in [-1, 1), the same for every run. */
  static NamedTensors inputs(int i) {
    return NamedTensors.builder()
        .put("x", ReferenceModel.random(DataType.FLOAT32, new long[] {1, 16}, new SplittableRandom(i)))
        .build();
  }
}
