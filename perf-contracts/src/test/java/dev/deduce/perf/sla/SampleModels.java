package dev.deduce.perf.sla;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.reference.ReferenceEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes mlp-small and mlp-large into a model repository, {@code <dir>/<name>/1/<file>} with a {@code model.conf}
 * naming engine and file: {@code .dgraph} for the reference engine, or {@code .onnx} for engine {@code onnx} with the
 * argument {@code onnx}. The sla-full profile runs it before SlaMain.
 */
public final class SampleModels {

  private SampleModels() {
  }

  /** {@code SampleModels DIR [dgraph|onnx]}. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].matches("dgraph|onnx"))) {
      System.err.println("usage: SampleModels DIR [dgraph|onnx]");
      System.exit(2);
    }
    boolean onnx = args.length == 2 && args[1].equals("onnx");
    ModelWriter writer = onnx ? new OnnxWriter() : new DgraphWriter();
    for (ReferenceModel m : new ReferenceModel[] {ModelKit.mlpSmall(), ModelKit.mlpLarge()}) {
      Path folder = Files.createDirectories(Path.of(args[0], m.name(), "1"));
      Path file = writer.write(m.graph(), folder);
      Files.writeString(folder.resolve("model.conf"), "engine = " + (onnx ? "onnx" : ReferenceEngine.ID)
          + "\nfile = " + file.getFileName() + "\n");
      System.out.println("wrote " + file + " and its model.conf");
    }
  }
}
