package dev.deduce.engine.tf;

import dev.deduce.api.DataType;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.reference.ReferenceGraph.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * Writes reference graphs as SavedModel folders, built with TF Java's Ops API and saved by its SavedModel exporter
 * (tag {@code serve}, signature {@code serving_default}); dimension 0 of every placeholder is dynamic. Weights are
 * graph constants. Self-contained, so that the plugin IT can use it: set {@code org.bytedeco.javacpp.cachedir} before it
 * first runs, or JavaCPP unpacks TensorFlow into its own default folder.
 */
public final class SavedModelWriter implements ModelWriter {

  // Not TensorFlowEngine.FORMAT: the plugin IT uses this writer with none of the engine's classes on its classpath.
  private static final String FORMAT = "savedmodel";

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public String extension() {
    return "";
  }

  @Override
  public Path write(ReferenceGraph graph, Path folder) throws IOException {
    Path dir = folder.resolve(graph.name());
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Map<String, Operand<?>> values = new HashMap<>();
      Signature.Builder signature = Signature.builder().key(Signature.DEFAULT_KEY);
      for (TensorSpec in : graph.signature().inputs()) {
        Operand<?> p = tf.withName(in.name()).placeholder(type(in.dtype()),
            Placeholder.shape(Shape.of(in.shape())));
        values.put(in.name(), p);
        signature.input(in.name(), p);
      }
      for (Node n : graph.nodes()) {
        values.put(n.output(), op(tf, n, values));
      }
      for (TensorSpec out : graph.signature().outputs()) {
        signature.output(out.name(), values.get(out.name()));
      }
      SavedModelBundle.exporter(dir.toString())
          .withFunction(SessionFunction.create(signature.build(), session))
          .export();
    }
    return dir;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Operand<?> op(Ops tf, Node n, Map<String, Operand<?>> values) {
    Operand x = values.get(n.inputs().get(0));
    Ops named = tf.withName(n.output());
    switch (n.op()) {
      case IDENTITY:
        return named.identity(x);
      case ADD:
        return named.math.add(x, values.get(n.inputs().get(1)));
      case MUL:
        return named.math.mul(x, values.get(n.inputs().get(1)));
      case DENSE: {
        long in = n.weights().length / n.units();
        Operand<TFloat32> w = tf.withName(n.output() + "_w").constant(Shape.of(in, n.units()),
            DataBuffers.of(n.weights(), true, false));
        Operand<TFloat32> b = tf.withName(n.output() + "_b").constant(Shape.of(n.units()),
            DataBuffers.of(n.bias(), true, false));
        return named.math.add(tf.withName(n.output() + "_matmul").linalg.matMul((Operand<TFloat32>) x, w), b);
      }
      case RELU:
        return named.nn.relu(x);
      case SOFTMAX:
        return named.nn.softmax(x);
      case ARGMAX:
        return named.math.argMax((Operand<? extends TType>) x, tf.constant(-1), TInt64.class);
      default:
        throw new IllegalArgumentException("no TensorFlow op for " + n.op());
    }
  }

  private static Class<? extends TType> type(DataType dtype) {
    switch (dtype) {
      case FLOAT32: return TFloat32.class;
      case FLOAT64: return TFloat64.class;
      case INT32: return TInt32.class;
      case INT64: return TInt64.class;
      case UINT8: return TUint8.class;
      case BOOL: return TBool.class;
      default: return TString.class;
    }
  }
}
