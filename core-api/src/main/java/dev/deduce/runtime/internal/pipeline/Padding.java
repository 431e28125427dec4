package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.runtime.ModelSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Padding along one named dimension ({@code batching.pad}): requests whose inputs differ only in its length share a
 * batch; each is padded to the batch's length, and every output carrying the dimension is cut back to the request's
 * own length. The model must ignore the padding (as BERT does through its attention mask): the deploy-time invariance
 * check runs with padding, so a model that does not is served unbatched.
 */
public final class Padding {

  private final String dim;
  /** Input name to the indexes of the padded dimension in it. */
  private final Map<String, int[]> inputDims = new HashMap<>();
  private final Map<String, int[]> outputDims = new HashMap<>();
  private final Map<String, Double> values;
  private final SortedSet<Integer> lengths;

  private Padding(String dim, Map<String, Double> values, SortedSet<Integer> lengths) {
    this.dim = dim;
    this.values = values;
    this.lengths = lengths;
  }

  /**
   * The padding {@code pad} asks for over {@code signature}, or null when it asks for none.
   *
   * @throws IllegalArgumentException when the dimension, an input or a value does not fit the signature, saying what
   *                                  was expected
   */
  public static Padding of(ModelSignature signature, ModelSettings.Pad pad) {
    if (pad.dim().isEmpty()) {
      return null;
    }
    String dim = pad.dim().get();
    Padding p = new Padding(dim, pad.values(), pad.lengths());
    List<String> carrying = new ArrayList<>();
    for (TensorSpec s : signature.inputs()) {
      int[] at = indexes(s, dim);
      if (at.length > 0) {
        carrying.add(s.name());
        p.inputDims.put(s.name(), at);
        if (!s.dtype().isNumeric()) {
          throw new IllegalArgumentException("batching.pad.dim '" + dim + "' is carried by input '" + s.name()
              + "' of dtype " + s.dtype() + "; expected only numeric inputs to carry a padded dimension");
        }
        if (!pad.values().containsKey(s.name())) {
          throw new IllegalArgumentException("batching.pad.values has no value for input '" + s.name() + "', which"
              + " carries dimension '" + dim + "'; expected a value for each of " + carrying(signature, dim));
        }
        if (Arrays.stream(at).anyMatch(i -> i == 0)) {
          throw new IllegalArgumentException("batching.pad.dim '" + dim + "' is dimension 0 of input '" + s.name()
              + "', the batch dimension; expected a dimension after it, such as sequence");
        }
      }
    }
    if (carrying.isEmpty()) {
      throw new IllegalArgumentException("batching.pad.dim is '" + dim + "' but no input has a dimension of that name;"
          + " expected one of the named dimensions " + named(signature));
    }
    for (String name : pad.values().keySet()) {
      if (!carrying.contains(name)) {
        throw new IllegalArgumentException("batching.pad.values names '" + name + "', which is not an input carrying"
            + " dimension '" + dim + "'; expected only " + carrying);
      }
    }
    if (!signature.batched()) {
      throw new IllegalArgumentException("batching.pad is set but the model's signature is not batched; expected a"
          + " dynamic batch dimension 0, or no padding");
    }
    for (TensorSpec s : signature.outputs()) {
      int[] at = indexes(s, dim);
      if (at.length > 0) {
        p.outputDims.put(s.name(), at);
      }
    }
    return p;
  }

  /** The dimension padded along. */
  public String dim() {
    return dim;
  }

  /** The indexes of the padded dimension in input {@code name}, or null when it does not carry it. */
  int[] inputDims(String name) {
    return inputDims.get(name);
  }

  /** The padded dimension's length in a request's inputs, or -1 when none carries it. */
  long length(NamedTensors in) {
    for (Map.Entry<String, int[]> e : inputDims.entrySet()) {
      Tensor t = in.get(e.getKey());
      if (t != null) {
        return t.dim(e.getValue()[0]);
      }
    }
    return -1;
  }

  /** The length a batch whose longest request has {@code longest} is padded to: the smallest bucket that fits. */
  long target(long longest) {
    for (int l : lengths) {
      if (l >= longest) {
        return l;
      }
    }
    return longest;
  }

  /** {@code in} with every input carrying the dimension padded to {@code target}. */
  NamedTensors pad(NamedTensors in, long target) {
    NamedTensors.Builder b = NamedTensors.builder();
    for (Map.Entry<String, Tensor> e : in.asMap().entrySet()) {
      int[] at = inputDims.get(e.getKey());
      Tensor t = e.getValue();
      if (at != null) {
        for (int axis : at) {
          t = resize(t, axis, target, values.get(e.getKey()));
        }
      }
      b.put(e.getKey(), t);
    }
    return b.build();
  }

  /** {@code out} with every output carrying the dimension cut from {@code padded} back to {@code length}. */
  NamedTensors cut(NamedTensors out, long padded, long length, String model) {
    if (padded == length || outputDims.isEmpty()) {
      return out;
    }
    NamedTensors.Builder b = NamedTensors.builder();
    for (Map.Entry<String, Tensor> e : out.asMap().entrySet()) {
      int[] at = outputDims.get(e.getKey());
      Tensor t = e.getValue();
      if (at != null) {
        for (int axis : at) {
          if (t.rank() <= axis || t.dim(axis) != padded) {
            throw new EngineException("model '" + model + "' returned output '" + e.getKey() + "' of shape "
                + Arrays.toString(t.shape()) + " for inputs padded to " + padded + " along '" + dim + "'; expected"
                + " dimension " + axis + " to be " + padded + ", as its signature names it '" + dim + "'");
          }
          t = resize(t, axis, length, 0);
        }
      }
      b.put(e.getKey(), t);
    }
    return b.build();
  }

  /** {@code t} with dimension {@code axis} cut or padded (with {@code value}) to {@code length}. */
  static Tensor resize(Tensor t, int axis, long length, double value) {
    long[] shape = t.shape();
    long old = shape[axis];
    if (old == length) {
      return t;
    }
    long outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= shape[i];
    }
    long inner = 1;
    for (int i = axis + 1; i < shape.length; i++) {
      inner *= shape[i];
    }
    long[] to = shape.clone();
    to[axis] = length;
    if (t.dtype() == DataType.STRING) {
      String[] src = t.toStringArray();
      String[] dst = new String[Math.toIntExact(outer * length * inner)];
      Arrays.fill(dst, "");
      long keep = Math.min(old, length) * inner;
      for (long o = 0; o < outer; o++) {
        System.arraycopy(src, (int) (o * old * inner), dst, (int) (o * length * inner), (int) keep);
      }
      return Tensor.ofStrings(dst, to);
    }
    int bs = t.dtype().byteSize();
    ByteBuffer src = t.buffer();
    ByteBuffer dst = ByteBuffer.allocate(Math.toIntExact(outer * length * inner * bs)).order(ByteOrder.nativeOrder());
    byte[] fill = filler(t.dtype(), value, Math.toIntExact(Math.max(0, length - old) * inner));
    int keepBytes = Math.toIntExact(Math.min(old, length) * inner * bs);
    for (long o = 0; o < outer; o++) {
      int from = Math.toIntExact(o * old * inner * bs);
      dst.put(src.duplicate().position(from).limit(from + keepBytes));
      dst.put(fill);
    }
    dst.flip();
    return Tensor.fromBuffer(t.dtype(), dst, to);
  }

  private static byte[] filler(DataType dtype, double value, int n) {
    ByteBuffer b = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT32: b.putFloat((float) value); break;
        case FLOAT64: b.putDouble(value); break;
        case INT32: b.putInt((int) value); break;
        case INT64: b.putLong((long) value); break;
        default: b.put((byte) value); // UINT8, BOOL
      }
    }
    return b.array();
  }

  private static int[] indexes(TensorSpec s, String dim) {
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < s.rank(); i++) {
      if (s.dimName(i).filter(dim::equals).isPresent()) {
        at.add(i);
      }
    }
    return at.stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<String> carrying(ModelSignature signature, String dim) {
    return signature.inputs().stream().filter(s -> indexes(s, dim).length > 0).map(TensorSpec::name).toList();
  }

  private static List<String> named(ModelSignature signature) {
    return signature.inputs().stream().flatMap(s -> s.dimNames().stream()).filter(n -> !n.isEmpty()).distinct()
        .toList();
  }
}
