package dev.deduce.engine.djl;

import dev.deduce.api.TensorSpec;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.reference.ReferenceGraph;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Writes a reference graph as TorchScript: the committed {@code torchscript/<name>.pt} that
 * src/test/python/make_torchscript.py built from the same graph, plus a {@value DjlOptions#FILE} with its signature.
 * Pure Java (no DJL), so it also runs on the plugin IT's class path.
 */
public final class TorchScriptFixtures implements ModelWriter {

  @Override
  public String format() {
    return "torchscript";
  }

  @Override
  public String extension() {
    return ".pt";
  }

  @Override
  public Path write(ReferenceGraph graph, Path folder) throws IOException {
    String resource = "/torchscript/" + graph.name() + ".pt";
    Path file = folder.resolve(graph.name() + ".pt");
    try (InputStream in = TorchScriptFixtures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no TorchScript fixture " + resource + "; expected one per reference model, made by"
            + " src/test/python/make_torchscript.py");
      }
      Files.copy(in, file);
    }
    Properties p = new Properties();
    p.setProperty("inputs", specs(graph.signature().inputs()));
    p.setProperty("outputs", specs(graph.signature().outputs()));
    try (Writer w = Files.newBufferedWriter(folder.resolve("djl-model.properties"), StandardCharsets.UTF_8)) {
      p.store(w, "signature of " + graph.name() + ".pt");
    }
    return file;
  }

  /** The compact syntax of {@code specs}, as the inputs and outputs options take it: TensorSpec prints it. */
  static String specs(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::toString).collect(Collectors.joining("; "));
  }
}
