package dev.deduce.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.deduce.api.TensorSpec;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.reference.ReferenceGraph.Node;
import dev.deduce.reference.ReferenceGraph.Op;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reference graph's structure as a DJL block: one {@link Linear} child per DENSE node, the other ops as NDArray
 * calls. It takes the graph's inputs in order and returns its outputs in order. Its weights are whatever its Linear
 * children hold: set from the graph by {@link DjlBlockWriter}, read back from the .params file on load.
 */
public final class GraphBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final ReferenceGraph graph;
  private final Map<String, Linear> dense = new LinkedHashMap<>();
  private final Map<String, Long> width = new HashMap<>();

  /** The block of {@code graph}'s structure, weights unset. */
  public GraphBlock(ReferenceGraph graph) {
    super(VERSION);
    this.graph = graph;
    for (TensorSpec in : graph.signature().inputs()) {
      width.put(in.name(), in.shape()[in.rank() - 1]);
    }
    for (Node n : graph.nodes()) {
      if (n.op() == Op.DENSE) {
        dense.put(n.output(), addChildBlock(n.output(), Linear.builder().setUnits(n.units()).build()));
        width.put(n.output(), (long) n.units());
      } else {
        width.put(n.output(), width.get(n.inputs().get(0)));
      }
    }
  }

  /** The Linear block of DENSE node {@code output}. */
  Linear dense(String output) {
    return dense.get(output);
  }

  /** The width of the value a DENSE node takes. */
  long inputWidth(Node node) {
    return width.get(node.inputs().get(0));
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
      PairList<String, Object> params) {
    Map<String, NDArray> values = new HashMap<>();
    List<TensorSpec> specs = graph.signature().inputs();
    for (int i = 0; i < specs.size(); i++) {
      values.put(specs.get(i).name(), inputs.get(i));
    }
    for (Node n : graph.nodes()) {
      NDArray x = values.get(n.inputs().get(0));
      NDArray y;
      switch (n.op()) {
        case IDENTITY: y = x.duplicate(); break;
        case ADD: y = x.add(values.get(n.inputs().get(1))); break;
        case MUL: y = x.mul(values.get(n.inputs().get(1))); break;
        case DENSE: y = dense.get(n.output()).forward(store, new NDList(x), training).singletonOrThrow(); break;
        case RELU: y = Activation.relu(x); break;
        case SOFTMAX: y = x.softmax(-1); break;
        case ARGMAX: y = x.argMax(-1); break;
        default: throw new IllegalStateException("no DJL translation for " + n.op());
      }
      values.put(n.output(), y);
    }
    NDList out = new NDList();
    for (TensorSpec s : graph.signature().outputs()) {
      out.add(values.get(s.name()));
    }
    return out;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long batch = inputShapes[0].get(0);
    return graph.signature().outputs().stream().map(s -> {
      long[] shape = s.shape();
      shape[0] = batch;
      return new Shape(shape);
    }).toArray(Shape[]::new);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (Node n : graph.nodes()) {
      if (n.op() == Op.DENSE) {
        dense.get(n.output()).initialize(manager, dataType, new Shape(1, inputWidth(n)));
      }
    }
  }
}
