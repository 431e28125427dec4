package dev.deduce.perf.onnx;

import dev.deduce.api.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Any ONNX graph, node by node, for fixtures that {@link OnnxWriter}'s reference ops cannot express (attention,
 * reductions, gathers). Inputs and outputs are {@link TensorSpec}s, whose dimension names become {@code dim_param}.
 *
 * <p>Encodes with the field numbers of the public {@code onnx.proto}, as {@link OnnxWriter} does.
 */
public final class OnnxGraph {

  // onnx.proto field numbers
  private static final int MODEL_IR_VERSION = 1;
  private static final int MODEL_PRODUCER_NAME = 2;
  private static final int MODEL_GRAPH = 7;
  private static final int MODEL_OPSET_IMPORT = 8;
  private static final int OPSET_DOMAIN = 1;
  private static final int OPSET_VERSION = 2;
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_NAME = 2;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;
  private static final int NODE_INPUT = 1;
  private static final int NODE_OUTPUT = 2;
  private static final int NODE_NAME = 3;
  private static final int NODE_OP_TYPE = 4;
  private static final int NODE_ATTRIBUTE = 5;
  private static final int ATTR_NAME = 1;
  private static final int ATTR_I = 3;
  private static final int ATTR_INTS = 8;
  private static final int ATTR_TYPE = 20;
  private static final int ATTR_TYPE_INT = 2;
  private static final int ATTR_TYPE_INTS = 7;
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR = 1;
  private static final int TENSOR_TYPE_ELEM_TYPE = 1;
  private static final int TENSOR_TYPE_SHAPE = 2;
  private static final int SHAPE_DIM = 1;
  private static final int DIM_VALUE = 1;
  private static final int DIM_PARAM = 2;

  private final String name;
  private final Proto graph = new Proto();
  private final List<TensorSpec> inputs = new ArrayList<>();
  private final List<TensorSpec> outputs = new ArrayList<>();
  private int nodes;

  private OnnxGraph(String name) {
    this.name = Objects.requireNonNull(name, "name");
    graph.string(GRAPH_NAME, name);
  }

  /** An empty graph called {@code name}. */
  public static OnnxGraph named(String name) {
    return new OnnxGraph(name);
  }

  /** Adds a graph input. */
  public OnnxGraph input(TensorSpec spec) {
    inputs.add(spec);
    return this;
  }

  /** Adds a graph output; a node must produce a value of its name. */
  public OnnxGraph output(TensorSpec spec) {
    outputs.add(spec);
    return this;
  }

  /** A FLOAT32 constant of {@code dims} (row-major {@code values}). */
  public OnnxGraph floats(String value, float[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    return initializer(value, 1, raw.array(), dims);
  }

  /** An INT64 constant of {@code dims}. */
  public OnnxGraph longs(String value, long[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    raw.asLongBuffer().put(values);
    return initializer(value, 7, raw.array(), dims);
  }

  /** A node of {@code opType} reading {@code in} and writing {@code out}, with {@code attributes}. */
  public OnnxGraph node(String opType, List<String> in, String out, Attribute... attributes) {
    Proto n = new Proto();
    in.forEach(i -> n.string(NODE_INPUT, i));
    n.string(NODE_OUTPUT, out).string(NODE_NAME, opType.toLowerCase(java.util.Locale.ROOT) + "_" + nodes++)
        .string(NODE_OP_TYPE, opType);
    for (Attribute a : attributes) {
      n.message(NODE_ATTRIBUTE, a.proto());
    }
    graph.message(GRAPH_NODE, n);
    return this;
  }

  /** A node attribute: {@link #of(String, long)} or {@link #ints(String, long...)}. */
  public static final class Attribute {
    private final Proto proto;

    private Attribute(Proto proto) {
      this.proto = proto;
    }

    /** An INT attribute. */
    public static Attribute of(String name, long value) {
      return new Attribute(new Proto().string(ATTR_NAME, name).varint(ATTR_I, value)
          .varint(ATTR_TYPE, ATTR_TYPE_INT));
    }

    /** An INTS attribute, e.g. Transpose's {@code perm}. */
    public static Attribute ints(String name, long... values) {
      Proto p = new Proto().string(ATTR_NAME, name);
      for (long v : values) {
        p.varint(ATTR_INTS, v);
      }
      return new Attribute(p.varint(ATTR_TYPE, ATTR_TYPE_INTS));
    }

    Proto proto() {
      return proto;
    }
  }

  /** The model as ONNX bytes, importing the default domain at {@code opset}. */
  public byte[] encode(int opset) {
    Proto g = new Proto().bytesOf(graph);
    inputs.forEach(s -> g.message(GRAPH_INPUT, valueInfo(s)));
    outputs.forEach(s -> g.message(GRAPH_OUTPUT, valueInfo(s)));
    return new Proto().varint(MODEL_IR_VERSION, OnnxWriter.DEFAULT_IR_VERSION)
        .string(MODEL_PRODUCER_NAME, "deduce-perf-contracts").message(MODEL_GRAPH, g)
        .message(MODEL_OPSET_IMPORT, new Proto().string(OPSET_DOMAIN, "").varint(OPSET_VERSION, opset))
        .toByteArray();
  }

  /** Writes {@code <folder>/<name>.onnx} at opset {@value OnnxWriter#DEFAULT_OPSET}. */
  public Path write(Path folder) throws IOException {
    return Files.write(folder.resolve(name + ".onnx"), encode(OnnxWriter.DEFAULT_OPSET));
  }

  private OnnxGraph initializer(String value, int type, byte[] raw, long[] dims) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(TENSOR_DIMS, d);
    }
    graph.message(GRAPH_INITIALIZER, t.varint(TENSOR_DATA_TYPE, type).string(TENSOR_NAME, value)
        .bytes(TENSOR_RAW_DATA, raw));
    return this;
  }

  private static Proto valueInfo(TensorSpec spec) {
    Proto shape = new Proto();
    long[] dims = spec.shape();
    for (int i = 0; i < dims.length; i++) {
      Proto dim = new Proto();
      if (dims[i] >= 0) {
        dim.varint(DIM_VALUE, dims[i]);
      } else {
        spec.dimName(i).ifPresent(n -> dim.string(DIM_PARAM, n));
      }
      shape.message(SHAPE_DIM, dim);
    }
    Proto type = new Proto().varint(TENSOR_TYPE_ELEM_TYPE, OnnxWriter.onnxType(spec.dtype()))
        .message(TENSOR_TYPE_SHAPE, shape);
    return new Proto().string(VALUE_INFO_NAME, spec.name())
        .message(VALUE_INFO_TYPE, new Proto().message(TYPE_TENSOR, type));
  }
}
