package dev.deduce.server;

import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.onnx.OnnxWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's server command: writes the quickstart's model (ModelKit's mlp-small as ONNX, batching up to 16) into
 * {@code models/} of the working folder unless it is there, then serves it with the plugins in {@code plugins/},
 * DURABLE on SQLite in {@code data/}. Extra arguments go to {@link ServerMain} and win over these.
 */
public final class ServeQuickstart {

  // the quickstart's model.conf (samples' QuickstartModel), so the server answers what the quickstart measures
  private static final String CONFIG = String.join("\n",
      "# written by ServeQuickstart: ModelKit's mlp-small (16 -> 32 relu -> 4 softmax) as ONNX",
      "engine = onnx",
      "format = onnx",
      "file = mlp-small.onnx",
      "batching { enabled = true, max-size = 16, max-queue-delay = 2ms, preferred-sizes = [8, 16] }",
      "instances = 2",
      "deadline = 60s",
      "queue { capacity = 2048 }",
      "");

  private ServeQuickstart() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    ReferenceModel model = ModelKit.mlpSmall();
    Path version = Path.of("models", model.name(), "1");
    if (!Files.isRegularFile(version.resolve("model.conf"))) {
      Files.createDirectories(version);
      new OnnxWriter().write(model.graph(), version);
      Files.writeString(version.resolve("model.conf"), CONFIG);
    }
    Files.createDirectories(Path.of("data"));
    List<String> all = new ArrayList<>(List.of("--plugins", "plugins", "--models", "models", "--store", "sqlite",
        "--data", "data/server.sqlite", "--durability", "DURABLE"));
    all.addAll(List.of(args));
    ServerMain.main(all.toArray(new String[0]));
  }
}
