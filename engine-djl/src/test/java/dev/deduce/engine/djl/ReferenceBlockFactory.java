package dev.deduce.engine.djl;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import dev.deduce.reference.ReferenceGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Builds the {@link GraphBlock} of the .dgraph named by option {@code block.graph}, beside the model. */
public final class ReferenceBlockFactory implements BlockFactory {

  private static final long serialVersionUID = 1L;

  /** The option naming the graph file, relative to the model folder. */
  static final String GRAPH = "block.graph";

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
    Object file = arguments.get(GRAPH);
    if (file == null) {
      throw new IllegalArgumentException("option " + GRAPH + " is missing; expected the .dgraph file beside the"
          + " model whose structure the block has");
    }
    return new GraphBlock(ReferenceGraph.read(modelPath.resolve(file.toString())));
  }
}
