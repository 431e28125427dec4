package dev.deduce.engine.djl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.api.DataType;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.reference.ReferenceGraph.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the TorchScript fixture models' graphs, weights included, as JSON for src/test/python/make_torchscript.py:
 * {@code java ... ExportModelKit <file.json>}. The committed .pt files are checked against the oracle by
 * TorchScriptContractTest, so tests never need Python.
 */
public final class ExportModelKit {

  private ExportModelKit() {}

  /** The models with TorchScript fixtures: the contract models and every carried dtype's identity. */
  static List<ReferenceModel> models() {
    List<ReferenceModel> models = new ArrayList<>(ModelKit.contractModels());
    for (DataType d : DataType.values()) {
      if (d != DataType.STRING) {
        models.add(ModelKit.identity(d));
      }
    }
    return models;
  }

  /** Writes the JSON. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ExportModelKit <output.json>");
    }
    ObjectMapper json = new ObjectMapper();
    ArrayNode all = json.createArrayNode();
    for (ReferenceModel m : models()) {
      ReferenceGraph g = m.graph();
      ObjectNode o = all.addObject().put("name", g.name());
      ArrayNode inputs = o.putArray("inputs");
      for (TensorSpec s : g.signature().inputs()) {
        ObjectNode in = inputs.addObject().put("name", s.name()).put("dtype", s.dtype().name());
        for (long d : s.shape()) {
          in.withArray("shape").add(d);
        }
      }
      ArrayNode nodes = o.putArray("nodes");
      for (Node n : g.nodes()) {
        ObjectNode node = nodes.addObject().put("op", n.op().name()).put("output", n.output()).put("units", n.units());
        n.inputs().forEach(node.putArray("inputs")::add);
        ArrayNode w = node.putArray("weights");
        for (float f : n.weights()) {
          w.add(f);
        }
        ArrayNode b = node.putArray("bias");
        for (float f : n.bias()) {
          b.add(f);
        }
      }
      g.signature().outputs().forEach(s -> o.withArray("outputs").add(s.name()));
    }
    Files.writeString(Path.of(args[0]), json.writerWithDefaultPrettyPrinter().writeValueAsString(all));
  }
}
