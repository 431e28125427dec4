package dev.deduce.perf.onnx;

import dev.deduce.api.DataType;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.reference.ReferenceGraph.Node;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes reference graphs as ONNX models, hand-encoding the protobuf with the field numbers of the public
 * {@code onnx.proto}; dimension 0 is the symbolic {@code batch} unless a fixed batch is configured, and dimensions the
 * specs name are written with their names ({@code dim_param}).
 *
 * <p>Immutable; {@link #builder()} makes variants such as a fixed batch, weights in an external-data file, or an
 * opset newer than any runtime, for testing how engines treat models they did not write.
 */
public final class OnnxWriter implements ModelWriter {

  /** The opset written by default; Softmax's axis semantics are those of opset 13. */
  public static final int DEFAULT_OPSET = 13;
  /** The IR version written by default; opset 13 belongs to IR version 7. */
  public static final int DEFAULT_IR_VERSION = 7;
  /** The symbolic name of dimension 0. */
  public static final String BATCH_DIM = "batch";

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
  private static final int ATTR_TYPE = 20;
  private static final int ATTR_TYPE_INT = 2;
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int TENSOR_DATA_LOCATION = 14;
  private static final int DATA_LOCATION_EXTERNAL = 1;
  private static final int ENTRY_KEY = 1;
  private static final int ENTRY_VALUE = 2;
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR = 1;
  private static final int TENSOR_TYPE_ELEM_TYPE = 1;
  private static final int TENSOR_TYPE_SHAPE = 2;
  private static final int SHAPE_DIM = 1;
  private static final int DIM_VALUE = 1;
  private static final int DIM_PARAM = 2;

  private final int opset;
  private final int irVersion;
  private final long fixedBatch;
  private final boolean externalData;

  /** A writer with the defaults: opset 13, IR version 7, symbolic batch, weights inside the model file. */
  public OnnxWriter() {
    this(builder());
  }

  private OnnxWriter(Builder b) {
    this.opset = b.opset;
    this.irVersion = b.irVersion;
    this.fixedBatch = b.fixedBatch;
    this.externalData = b.externalData;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String format() {
    return "onnx";
  }

  @Override
  public String extension() {
    return ".onnx";
  }

  /** The ONNX data type code for {@code dtype}. */
  public static int onnxType(DataType dtype) {
    switch (dtype) {
      case FLOAT32: return 1;
      case UINT8: return 2;
      case INT32: return 6;
      case INT64: return 7;
      case STRING: return 8;
      case BOOL: return 9;
      case FLOAT64: return 11;
      default: throw new IllegalArgumentException("no ONNX type for " + dtype);
    }
  }

  /**
   * Writes {@code <folder>/<graph name>.onnx}, and with external data also {@code <graph name>.onnx.data} beside it.
   */
  @Override
  public Path write(ReferenceGraph graph, Path folder) throws IOException {
    Path file = folder.resolve(graph.name() + extension());
    Path data = folder.resolve(graph.name() + extension() + ".data");
    List<byte[]> external = new ArrayList<>();
    byte[] model = encode(graph, data.getFileName().toString(), external);
    Files.write(file, model);
    if (externalData) {
      try (OutputStream out = Files.newOutputStream(data)) {
        for (byte[] chunk : external) {
          out.write(chunk);
        }
      }
    }
    return file;
  }

  /** The model as ONNX bytes; only for writers without external data, whose weights need a second file. */
  public byte[] encode(ReferenceGraph graph) {
    if (externalData) {
      throw new IllegalStateException("this writer keeps weights in an external file; use write(graph, folder)");
    }
    return encode(graph, "", new ArrayList<>());
  }

  private byte[] encode(ReferenceGraph graph, String dataFile, List<byte[]> external) {
    Proto g = new Proto();
    g.string(GRAPH_NAME, graph.name());
    long[] offset = {0};
    int index = 0;
    for (Node n : graph.nodes()) {
      String nodeName = n.op().name().toLowerCase(java.util.Locale.ROOT) + "_" + index++;
      switch (n.op()) {
        case IDENTITY: g.message(GRAPH_NODE, node(nodeName, "Identity", n.inputs(), n.output())); break;
        case ADD: g.message(GRAPH_NODE, node(nodeName, "Add", n.inputs(), n.output())); break;
        case MUL: g.message(GRAPH_NODE, node(nodeName, "Mul", n.inputs(), n.output())); break;
        case RELU: g.message(GRAPH_NODE, node(nodeName, "Relu", n.inputs(), n.output())); break;
        case SOFTMAX:
          g.message(GRAPH_NODE, node(nodeName, "Softmax", n.inputs(), n.output()).message(NODE_ATTRIBUTE,
              intAttribute("axis", -1)));
          break;
        case ARGMAX:
          g.message(GRAPH_NODE, node(nodeName, "ArgMax", n.inputs(), n.output())
              .message(NODE_ATTRIBUTE, intAttribute("axis", 1))
              .message(NODE_ATTRIBUTE, intAttribute("keepdims", 0)));
          break;
        case DENSE: {
          String w = n.output() + "_W";
          String b = n.output() + "_B";
          String product = n.output() + "_matmul";
          int units = n.units();
          float[] weights = n.weights();
          g.message(GRAPH_INITIALIZER, initializer(w, weights, new long[] {weights.length / units, units}, dataFile,
              offset, external));
          g.message(GRAPH_INITIALIZER, initializer(b, n.bias(), new long[] {units}, dataFile, offset, external));
          g.message(GRAPH_NODE, node(nodeName + "_matmul", "MatMul", List.of(n.inputs().get(0), w), product));
          g.message(GRAPH_NODE, node(nodeName + "_bias", "Add", List.of(product, b), n.output()));
          break;
        }
        default:
          throw new IllegalArgumentException("op " + n.op() + " has no ONNX mapping");
      }
    }
    for (TensorSpec s : graph.signature().inputs()) {
      g.message(GRAPH_INPUT, valueInfo(s));
    }
    for (TensorSpec s : graph.signature().outputs()) {
      g.message(GRAPH_OUTPUT, valueInfo(s));
    }
    return new Proto()
        .varint(MODEL_IR_VERSION, irVersion)
        .string(MODEL_PRODUCER_NAME, "deduce-perf-contracts")
        .message(MODEL_GRAPH, g)
        .message(MODEL_OPSET_IMPORT, new Proto().string(OPSET_DOMAIN, "").varint(OPSET_VERSION, opset))
        .toByteArray();
  }

  private static Proto node(String name, String opType, List<String> inputs, String output) {
    Proto p = new Proto();
    for (String i : inputs) {
      p.string(NODE_INPUT, i);
    }
    return p.string(NODE_OUTPUT, output).string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
  }

  private static Proto intAttribute(String name, long value) {
    return new Proto().string(ATTR_NAME, name).varint(ATTR_I, value).varint(ATTR_TYPE, ATTR_TYPE_INT);
  }

  private Proto initializer(String name, float[] values, long[] dims, String dataFile, long[] offset,
      List<byte[]> external) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(TENSOR_DIMS, d);
    }
    t.varint(TENSOR_DATA_TYPE, onnxType(DataType.FLOAT32)).string(TENSOR_NAME, name);
    if (!externalData) {
      return t.bytes(TENSOR_RAW_DATA, raw.array());
    }
    external.add(raw.array());
    t.message(TENSOR_EXTERNAL_DATA, entry("location", dataFile))
        .message(TENSOR_EXTERNAL_DATA, entry("offset", Long.toString(offset[0])))
        .message(TENSOR_EXTERNAL_DATA, entry("length", Integer.toString(raw.capacity())))
        .varint(TENSOR_DATA_LOCATION, DATA_LOCATION_EXTERNAL);
    offset[0] += raw.capacity();
    return t;
  }

  private static Proto entry(String key, String value) {
    return new Proto().string(ENTRY_KEY, key).string(ENTRY_VALUE, value);
  }

  private Proto valueInfo(TensorSpec spec) {
    Proto shape = new Proto();
    long[] dims = spec.shape();
    for (int i = 0; i < dims.length; i++) {
      Proto dim = new Proto();
      if (i == 0 && fixedBatch > 0) {
        dim.varint(DIM_VALUE, fixedBatch);
      } else if (dims[i] < 0) {
        // the spec's name, else batch for dimension 0; other unnamed dynamic dimensions stay unnamed, since ONNX
        // reads one name on two tensors as one size
        String name = spec.dimName(i).orElse(i == 0 ? BATCH_DIM : "");
        if (!name.isEmpty()) {
          dim.string(DIM_PARAM, name);
        }
      } else {
        dim.varint(DIM_VALUE, dims[i]);
      }
      shape.message(SHAPE_DIM, dim);
    }
    Proto tensorType = new Proto().varint(TENSOR_TYPE_ELEM_TYPE, onnxType(spec.dtype()))
        .message(TENSOR_TYPE_SHAPE, shape);
    return new Proto().string(VALUE_INFO_NAME, spec.name())
        .message(VALUE_INFO_TYPE, new Proto().message(TYPE_TENSOR, tensorType));
  }

  /** Configures an {@link OnnxWriter}; every setter checks its value. */
  public static final class Builder {
    private int opset = DEFAULT_OPSET;
    private int irVersion = DEFAULT_IR_VERSION;
    private long fixedBatch;
    private boolean externalData;

    private Builder() {}

    /** The default-domain opset to import, 1 or more (default 13). */
    public Builder opset(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("opset is " + value + "; expected 1 or more");
      }
      opset = value;
      return this;
    }

    /** The IR version, 3 or more (default 7). */
    public Builder irVersion(int value) {
      if (value < 3) {
        throw new IllegalArgumentException("IR version is " + value + "; expected 3 or more");
      }
      irVersion = value;
      return this;
    }

    /** Fixes dimension 0 of every input and output to {@code rows} instead of the symbolic batch. */
    public Builder fixedBatch(long rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("fixed batch is " + rows + "; expected 1 or more");
      }
      fixedBatch = rows;
      return this;
    }

    /** Whether weights go to a {@code .onnx.data} file beside the model (ONNX external data). */
    public Builder externalData(boolean value) {
      externalData = value;
      return this;
    }

    /** The writer. */
    public OnnxWriter build() {
      return new OnnxWriter(this);
    }
  }
}
