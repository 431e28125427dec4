package dev.deduce.perf.sla;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.perf.onnx.OnnxWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes mlp-small and mlp-large into a models folder in the SLA runner's layout, {@code <dir>/<name>/1/<file>}:
 * {@code .dgraph} for the reference engine, or {@code .onnx} with the argument {@code onnx}. The sla-full profile
 * runs it before SlaMain.
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
    ModelWriter writer = args.length == 2 && args[1].equals("onnx") ? new OnnxWriter() : new DgraphWriter();
    for (ReferenceModel m : new ReferenceModel[] {ModelKit.mlpSmall(), ModelKit.mlpLarge()}) {
      Path folder = Files.createDirectories(Path.of(args[0], m.name(), "1"));
      System.out.println("wrote " + writer.write(m.graph(), folder));
    }
  }
}
