package dev.deduce.reference;

import dev.deduce.api.DataType;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small feed-forward graph evaluated in plain Java: the oracle every engine is checked against.
 *
 * <p>Engine modules translate the same graph into their own formats (ONNX, SavedModel, DJL), so one definition yields
 * the model and its expected outputs. Dimension 0 of every value is the batch.
 */
public final class ReferenceGraph {

  /** The operations a reference graph supports. */
  public enum Op {
    /** Copies its input. */
    IDENTITY,
    /** Elementwise sum of two inputs of the same dtype and shape. */
    ADD,
    /** Elementwise product of two inputs of the same dtype and shape. */
    MUL,
    /** {@code x · W + b} for FLOAT32 {@code x} of shape [batch, in], {@code W} of [in, units]. */
    DENSE,
    /** {@code max(x, 0)}. */
    RELU,
    /** Softmax over the last dimension. */
    SOFTMAX,
    /** Index of the largest value along the last dimension, as INT64 of shape [batch]. */
    ARGMAX
  }

  /**
   * One operation producing one named value.
   *
   * @param op      the operation
   * @param inputs  names of graph inputs or earlier nodes' outputs
   * @param output  the name of the value it produces
   * @param units   DENSE output width, else 0
   * @param weights DENSE weights [in, units] row-major, else empty
   * @param bias    DENSE bias [units], else empty
   */
  public record Node(Op op, List<String> inputs, String output, int units, float[] weights, float[] bias) {
    /** Copies the lists and arrays. */
    public Node {
      Objects.requireNonNull(op, "op");
      inputs = List.copyOf(inputs);
      Objects.requireNonNull(output, "output");
      weights = weights == null ? new float[0] : weights.clone();
      bias = bias == null ? new float[0] : bias.clone();
    }

    @Override
    public float[] weights() {
      return weights.clone();
    }

    @Override
    public float[] bias() {
      return bias.clone();
    }
  }

  private static final int MAGIC = 0x44444731; // "DDG1"

  private final String name;
  private final List<TensorSpec> inputs;
  private final List<Node> nodes;
  private final List<String> outputs;
  private final ModelSignature signature;
  private final Map<String, TensorSpec> valueSpecs;

  private ReferenceGraph(String name, List<TensorSpec> inputs, List<Node> nodes, List<String> outputs) {
    this.name = name;
    this.inputs = List.copyOf(inputs);
    this.nodes = List.copyOf(nodes);
    this.outputs = List.copyOf(outputs);
    this.valueSpecs = inferSpecs();
    List<TensorSpec> outSpecs = new ArrayList<>();
    for (String o : outputs) {
      TensorSpec s = valueSpecs.get(o);
      if (s == null) {
        throw new IllegalArgumentException("graph output '" + o + "' is not produced by any node or input");
      }
      outSpecs.add(s);
    }
    this.signature = new ModelSignature(this.inputs, outSpecs, true);
  }

  /** A builder for a graph called {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The graph's name. */
  public String name() {
    return name;
  }

  /** The graph's nodes, in evaluation order. */
  public List<Node> nodes() {
    return nodes;
  }

  /** The inputs, dtypes and shapes; dimension 0 is always the dynamic batch. */
  public ModelSignature signature() {
    return signature;
  }

  /** Evaluates the graph on {@code feeds}, which must match {@link #signature()}. */
  public NamedTensors evaluate(NamedTensors feeds) {
    signature.validate(feeds, Long.MAX_VALUE);
    Map<String, Tensor> values = new HashMap<>(feeds.asMap());
    for (Node n : nodes) {
      values.put(n.output(), apply(n, values));
    }
    NamedTensors.Builder out = NamedTensors.builder();
    for (String o : outputs) {
      out.put(o, values.get(o));
    }
    return out.build();
  }

  /** Writes the graph to {@code file} in the reference engine's {@code deduce-graph} format. */
  public void write(Path file) throws IOException {
    try (OutputStream os = Files.newOutputStream(file)) {
      write(os);
    }
  }

  /** Writes the graph to {@code stream}. */
  public void write(OutputStream stream) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream));
    out.writeInt(MAGIC);
    out.writeUTF(name);
    out.writeInt(inputs.size());
    for (TensorSpec s : inputs) {
      out.writeUTF(s.name());
      out.writeByte(s.dtype().ordinal());
      out.writeByte(s.rank());
      for (long d : s.shape()) {
        out.writeLong(d);
      }
    }
    out.writeInt(nodes.size());
    for (Node n : nodes) {
      out.writeByte(n.op().ordinal());
      out.writeByte(n.inputs().size());
      for (String i : n.inputs()) {
        out.writeUTF(i);
      }
      out.writeUTF(n.output());
      out.writeInt(n.units());
      writeFloats(out, n.weights);
      writeFloats(out, n.bias);
    }
    out.writeInt(outputs.size());
    for (String o : outputs) {
      out.writeUTF(o);
    }
    out.flush();
  }

  /**
   * Reads a graph written by {@link #write}.
   *
   * @throws IOException when the file is unreadable, truncated or not a graph
   */
  public static ReferenceGraph read(Path file) throws IOException {
    try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
      DataInputStream in = new DataInputStream(is);
      if (in.readInt() != MAGIC) {
        throw new IOException("not a deduce-graph file (the DDG1 marker is missing)");
      }
      Builder b = builder(in.readUTF());
      int nIn = boundedCount(in.readInt(), "input");
      for (int i = 0; i < nIn; i++) {
        String n = in.readUTF();
        DataType dt = dtype(in.readByte());
        long[] shape = new long[boundedCount(in.readByte(), "dimension")];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = in.readLong();
        }
        b.input(TensorSpec.of(n, dt, shape));
      }
      int nNodes = boundedCount(in.readInt(), "node");
      for (int i = 0; i < nNodes; i++) {
        int opCode = in.readByte();
        if (opCode < 0 || opCode >= Op.values().length) {
          throw new IOException("unknown op code " + opCode);
        }
        List<String> ins = new ArrayList<>();
        int k = boundedCount(in.readByte(), "node input");
        for (int j = 0; j < k; j++) {
          ins.add(in.readUTF());
        }
        String out = in.readUTF();
        int units = in.readInt();
        b.node(new Node(Op.values()[opCode], ins, out, units, readFloats(in), readFloats(in)));
      }
      int nOut = boundedCount(in.readInt(), "output");
      for (int i = 0; i < nOut; i++) {
        b.output(in.readUTF());
      }
      if (in.read() != -1) {
        throw new IOException("trailing bytes after the graph");
      }
      return b.build();
    } catch (EOFException e) {
      throw new IOException("file is truncated", e);
    } catch (IllegalArgumentException e) {
      throw new IOException("graph is inconsistent: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ReferenceGraph[" + name + " " + signature + "]";
  }

  // ------------------------------------------------------------------ evaluation

  private static Tensor apply(Node n, Map<String, Tensor> values) {
    Tensor x = values.get(n.inputs().get(0));
    switch (n.op()) {
      case IDENTITY:
        return x;
      case ADD:
      case MUL:
        return elementwise(n.op(), x, values.get(n.inputs().get(1)));
      case DENSE:
        return dense(x, n);
      case RELU: {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
          v[i] = Math.max(v[i], 0f);
        }
        return Tensor.ofFloats(v, x.shape());
      }
      case SOFTMAX:
        return softmax(x);
      case ARGMAX:
        return argmax(x);
      default:
        throw new IllegalStateException("unhandled op " + n.op());
    }
  }

  private static Tensor elementwise(Op op, Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new InvalidInputException("elementwise " + op + " got shapes " + Arrays.toString(a.shape()) + " and "
          + Arrays.toString(b.shape()) + "; expected equal shapes");
    }
    boolean add = op == Op.ADD;
    switch (a.dtype()) {
      case FLOAT32: {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        for (int i = 0; i < x.length; i++) {
          x[i] = add ? x[i] + y[i] : x[i] * y[i];
        }
        return Tensor.ofFloats(x, a.shape());
      }
      case FLOAT64: {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        for (int i = 0; i < x.length; i++) {
          x[i] = add ? x[i] + y[i] : x[i] * y[i];
        }
        return Tensor.ofDoubles(x, a.shape());
      }
      case INT32: {
        int[] x = a.toIntArray();
        int[] y = b.toIntArray();
        for (int i = 0; i < x.length; i++) {
          x[i] = add ? x[i] + y[i] : x[i] * y[i];
        }
        return Tensor.ofInts(x, a.shape());
      }
      case INT64: {
        long[] x = a.toLongArray();
        long[] y = b.toLongArray();
        for (int i = 0; i < x.length; i++) {
          x[i] = add ? x[i] + y[i] : x[i] * y[i];
        }
        return Tensor.ofLongs(x, a.shape());
      }
      default:
        throw new InvalidInputException(op + " does not support " + a.dtype()
            + "; expected FLOAT32, FLOAT64, INT32 or INT64");
    }
  }

  private static Tensor dense(Tensor x, Node n) {
    int batch = (int) x.dim(0);
    int in = (int) x.dim(1);
    int units = n.units();
    float[] v = x.toFloatArray();
    float[] out = new float[batch * units];
    for (int r = 0; r < batch; r++) {
      for (int u = 0; u < units; u++) {
        float acc = n.bias[u];
        for (int k = 0; k < in; k++) {
          acc += v[r * in + k] * n.weights[k * units + u];
        }
        out[r * units + u] = acc;
      }
    }
    return Tensor.ofFloats(out, batch, units);
  }

  private static Tensor softmax(Tensor x) {
    float[] v = x.toFloatArray();
    int width = (int) x.dim(x.rank() - 1);
    for (int start = 0; start + width <= v.length && width > 0; start += width) {
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < width; i++) {
        max = Math.max(max, v[start + i]);
      }
      double sum = 0;
      for (int i = 0; i < width; i++) {
        v[start + i] = (float) Math.exp(v[start + i] - max);
        sum += v[start + i];
      }
      for (int i = 0; i < width; i++) {
        v[start + i] = (float) (v[start + i] / sum);
      }
    }
    return Tensor.ofFloats(v, x.shape());
  }

  private static Tensor argmax(Tensor x) {
    float[] v = x.toFloatArray();
    int width = (int) x.dim(x.rank() - 1);
    int rows = (int) x.dim(0);
    long[] out = new long[rows];
    for (int r = 0; r < rows; r++) {
      int best = 0;
      for (int i = 1; i < width; i++) {
        if (v[r * width + i] > v[r * width + best]) {
          best = i;
        }
      }
      out[r] = best;
    }
    return Tensor.ofLongs(out, rows);
  }

  // ------------------------------------------------------------------ shape inference

  private Map<String, TensorSpec> inferSpecs() {
    Map<String, TensorSpec> specs = new LinkedHashMap<>();
    for (TensorSpec s : inputs) {
      if (s.rank() == 0 || s.shape()[0] != -1) {
        throw new IllegalArgumentException("input '" + s.name() + "' must have a dynamic batch dimension 0 (-1)");
      }
      if (specs.put(s.name(), s) != null) {
        throw new IllegalArgumentException("input '" + s.name() + "' is declared twice");
      }
    }
    for (Node n : nodes) {
      List<TensorSpec> in = new ArrayList<>();
      for (String i : n.inputs()) {
        TensorSpec s = specs.get(i);
        if (s == null) {
          throw new IllegalArgumentException("node " + n.op() + " reads '" + i + "', which no earlier node produces");
        }
        in.add(s);
      }
      int arity = (n.op() == Op.ADD || n.op() == Op.MUL) ? 2 : 1;
      if (in.size() != arity) {
        throw new IllegalArgumentException(n.op() + " takes " + arity + " inputs, got " + in.size());
      }
      TensorSpec x = in.get(0);
      TensorSpec out;
      switch (n.op()) {
        case ADD:
        case MUL:
          if (x.dtype() != in.get(1).dtype() || !Arrays.equals(x.shape(), in.get(1).shape())) {
            throw new IllegalArgumentException(n.op() + " needs equal dtypes and shapes, got " + x + " and "
                + in.get(1));
          }
          out = TensorSpec.of(n.output(), x.dtype(), x.shape());
          break;
        case DENSE:
          if (x.dtype() != DataType.FLOAT32 || x.rank() != 2 || x.shape()[1] < 1) {
            throw new IllegalArgumentException("DENSE needs FLOAT32 [batch, in] with a fixed in, got " + x);
          }
          long inDim = x.shape()[1];
          if (n.units() < 1 || n.weights.length != inDim * n.units() || n.bias.length != n.units()) {
            throw new IllegalArgumentException("DENSE weights must be [" + inDim + ", units] and bias [units]");
          }
          out = TensorSpec.of(n.output(), DataType.FLOAT32, -1, n.units());
          break;
        case RELU:
        case SOFTMAX:
          requireFloat(n, x);
          out = TensorSpec.of(n.output(), DataType.FLOAT32, x.shape());
          break;
        case ARGMAX:
          requireFloat(n, x);
          if (x.rank() != 2) {
            throw new IllegalArgumentException("ARGMAX needs [batch, n], got " + x);
          }
          out = TensorSpec.of(n.output(), DataType.INT64, -1);
          break;
        default:
          out = TensorSpec.of(n.output(), x.dtype(), x.shape());
      }
      if (specs.put(n.output(), out) != null) {
        throw new IllegalArgumentException("value '" + n.output() + "' is produced twice");
      }
    }
    return specs;
  }

  private static void requireFloat(Node n, TensorSpec x) {
    if (x.dtype() != DataType.FLOAT32) {
      throw new IllegalArgumentException(n.op() + " needs FLOAT32, got " + x);
    }
  }

  private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
    out.writeInt(v.length);
    for (float f : v) {
      out.writeFloat(f);
    }
  }

  private static float[] readFloats(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 256 * 1024 * 1024) {
      throw new IOException("weight count " + n + " is corrupt");
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = in.readFloat();
    }
    return v;
  }

  private static int boundedCount(int n, String what) throws IOException {
    if (n < 0 || n > 100_000) {
      throw new IOException(what + " count " + n + " is corrupt");
    }
    return n;
  }

  private static DataType dtype(int code) throws IOException {
    if (code < 0 || code >= DataType.values().length) {
      throw new IOException("unknown dtype code " + code);
    }
    return DataType.values()[code];
  }

  /** Assembles a {@link ReferenceGraph}; {@link #build()} checks it. */
  public static final class Builder {
    private final String name;
    private final List<TensorSpec> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "graph name");
    }

    /** Declares an input; dimension 0 must be -1 (the batch). */
    public Builder input(TensorSpec spec) {
      inputs.add(Objects.requireNonNull(spec, "spec"));
      return this;
    }

    /** Declares an input of {@code dtype} and {@code shape}. */
    public Builder input(String inputName, DataType dtype, long... shape) {
      return input(TensorSpec.of(inputName, dtype, shape));
    }

    /** Appends a node. */
    public Builder node(Node node) {
      nodes.add(Objects.requireNonNull(node, "node"));
      return this;
    }

    /** Appends a node of {@code op} reading {@code in} and producing {@code out}. */
    public Builder op(Op op, String out, String... in) {
      return node(new Node(op, List.of(in), out, 0, null, null));
    }

    /** Appends a DENSE node. */
    public Builder dense(String out, String in, int units, float[] weights, float[] bias) {
      return node(new Node(Op.DENSE, List.of(in), out, units, weights, bias));
    }

    /** Marks {@code value} as a graph output. */
    public Builder output(String value) {
      outputs.add(Objects.requireNonNull(value, "output"));
      return this;
    }

    /** The graph; throws IllegalArgumentException when it is inconsistent. */
    public ReferenceGraph build() {
      return new ReferenceGraph(name, inputs, nodes, outputs);
    }
  }
}
