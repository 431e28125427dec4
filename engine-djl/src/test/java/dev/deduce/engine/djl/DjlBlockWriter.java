package dev.deduce.engine.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.reference.ReferenceGraph.Node;
import dev.deduce.reference.ReferenceGraph.Op;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Writes a reference graph as a DJL block model: {@code <name>-0000.params} saved by Model.save from a
 * {@link GraphBlock} whose Linear weights are the graph's DENSE weights, the graph's structure as
 * {@code <name>.dgraph}, and a {@value DjlOptions#FILE} naming {@link ReferenceBlockFactory} and the signature.
 */
public final class DjlBlockWriter implements ModelWriter {

  @Override
  public String format() {
    return DjlEngine.BLOCK;
  }

  @Override
  public String extension() {
    return ".params";
  }

  @Override
  public Path write(ReferenceGraph graph, Path folder) throws IOException {
    String name = graph.name();
    graph.write(folder.resolve(name + ".dgraph"));
    GraphBlock block = new GraphBlock(graph);
    try (Model model = Model.newInstance(name, "PyTorch")) {
      NDManager manager = model.getNDManager();
      block.initialize(manager, DataType.FLOAT32, graph.signature().inputs().stream()
          .map(s -> new Shape(1, s.shape()[s.rank() - 1])).toArray(Shape[]::new));
      for (Node n : graph.nodes()) {
        if (n.op() == Op.DENSE) {
          setWeights(manager, block.dense(n.output()), n, block.inputWidth(n));
        }
      }
      model.setBlock(block);
      model.save(folder, name);
    }
    Properties p = new Properties();
    p.setProperty(DjlOptions.INPUTS, TorchScriptFixtures.specs(graph.signature().inputs()));
    p.setProperty(DjlOptions.OUTPUTS, TorchScriptFixtures.specs(graph.signature().outputs()));
    p.setProperty(DjlOptions.BLOCK_FACTORY, ReferenceBlockFactory.class.getName());
    p.setProperty(ReferenceBlockFactory.GRAPH, name + ".dgraph");
    try (Writer w = Files.newBufferedWriter(folder.resolve(DjlOptions.FILE), StandardCharsets.UTF_8)) {
      p.store(w, "written by " + getClass().getSimpleName());
    }
    return folder.resolve(name + "-0000.params");
  }

  // The graph holds W as [in, units] row-major; DJL's Linear holds [units, in].
  private static void setWeights(NDManager manager, Linear linear, Node n, long in) {
    float[] w = n.weights();
    int units = n.units();
    float[] t = new float[w.length];
    for (int k = 0; k < in; k++) {
      for (int u = 0; u < units; u++) {
        t[u * (int) in + k] = w[k * units + u];
      }
    }
    linear.getParameters().get("weight").getArray().set(t);
    linear.getParameters().get("bias").getArray().set(n.bias());
  }
}
