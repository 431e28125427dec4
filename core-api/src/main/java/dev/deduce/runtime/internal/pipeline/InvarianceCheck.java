package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The deploy-time check that batching does not change answers: a few single-row requests run one by one and then as
 * one batch (padded as serving pads), compared output by output. Models that branch on the batch size, normalise over
 * the batch or quantise with a scale computed over it fail it.
 *
 * <p>Rows come from generated inputs (floats random in [-1, 1), integers 1, booleans true, unnamed dynamic dimensions
 * 1, the padded dimension a different length per row); when the model does not run those, from the warm-up inputs.
 */
public final class InvarianceCheck {

  private static final int ROWS = 4;

  /**
   * What the check found.
   *
   * @param checked   whether there were at least two rows the model runs to compare
   * @param invariant whether batched answers matched (true when not checked)
   * @param detail    what differed, or why it was not checked; "" when invariant
   * @param probe     a generated row the model ran, or null
   */
  public record Outcome(boolean checked, boolean invariant, String detail, NamedTensors probe) {}

  private InvarianceCheck() {}

  /**
   * Checks {@code model} with {@code padding} (or null), allowing differences up to {@code tolerance} of each output's
   * largest magnitude (at least 1).
   */
  public static Outcome run(String who, LoadedModel model, Padding padding, List<NamedTensors> warmUp,
      double tolerance) {
    ModelSignature sig = model.signature();
    List<NamedTensors> rows = generated(sig, padding);
    List<NamedTensors> alone = runAlone(model, rows);
    NamedTensors probe = alone == null ? null : rows.get(0);
    if (alone == null) {
      rows = sameKey(warmUpRows(warmUp, sig), padding);
      alone = runAlone(model, rows);
      if (alone == null || rows.size() < 2) {
        return new Outcome(false, true, "the model does not run generated rows and the warm-up inputs give fewer than"
            + " two rows of one shape; give warm-up inputs of several rows to check it", null);
      }
    }
    long[] ones = new long[rows.size()];
    Arrays.fill(ones, 1);
    List<NamedTensors> batched;
    try {
      batched = Assembly.run(who, rows, ones, padding, model::run);
    } catch (RuntimeException e) {
      return new Outcome(true, false, rows.size() + " rows that run alone fail as one batch: " + e.getMessage(),
          probe);
    }
    for (int i = 0; i < rows.size(); i++) {
      for (Map.Entry<String, Tensor> e : alone.get(i).asMap().entrySet()) {
        Tensor a = e.getValue();
        Tensor b = batched.get(i).get(e.getKey());
        if (!Arrays.equals(a.shape(), b.shape())) {
          return new Outcome(true, false, "output '" + e.getKey() + "' of row " + i + " has shape "
              + Arrays.toString(a.shape()) + " alone but " + Arrays.toString(b.shape()) + " in a batch of "
              + rows.size(), probe);
        }
        double diff = difference(a, b);
        if (diff > tolerance) {
          return new Outcome(true, false, "output '" + e.getKey() + "' of row " + i + " differs by " + diff
              + " of its largest magnitude in a batch of " + rows.size() + (padding == null ? "" : " padded along '"
              + padding.dim() + "'") + " (tolerance " + tolerance + ")", probe);
        }
      }
    }
    return new Outcome(true, true, "", probe);
  }

  /** Each row run alone, or null when any fails (the rows are not ones this model takes). */
  private static List<NamedTensors> runAlone(LoadedModel model, List<NamedTensors> rows) {
    List<NamedTensors> out = new ArrayList<>();
    try {
      for (NamedTensors r : rows) {
        out.add(model.run(r));
      }
      return out;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static List<NamedTensors> generated(ModelSignature sig, Padding padding) {
    SplittableRandom random = new SplittableRandom(0x5eed);
    List<NamedTensors> rows = new ArrayList<>();
    for (int row = 0; row < ROWS; row++) {
      NamedTensors.Builder b = NamedTensors.builder();
      for (TensorSpec s : sig.inputs()) {
        long[] shape = s.shape();
        int[] padded = padding == null ? null : padding.inputDims(s.name());
        for (int d = 0; d < shape.length; d++) {
          shape[d] = shape[d] == -1 ? 1 : shape[d];
        }
        shape[0] = sig.batched() && shape.length > 0 ? 1 : shape[0];
        if (padded != null) {
          for (int axis : padded) {
            shape[axis] = 2 + (row * 3) % 5; // lengths 2, 5, 3, 6: every row but the longest is padded
          }
        }
        b.put(s.name(), values(s.dtype(), shape, random));
      }
      rows.add(b.build());
    }
    return rows;
  }

  private static Tensor values(DataType dtype, long[] shape, SplittableRandom random) {
    int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (x, y) -> x * y));
    switch (dtype) {
      case FLOAT32: {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64: {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = random.nextDouble() * 2 - 1;
        }
        return Tensor.ofDoubles(v, shape);
      }
      case INT32: {
        int[] v = new int[n];
        Arrays.fill(v, 1); // 1 is a valid id, mask and count for the models that take integers
        return Tensor.ofInts(v, shape);
      }
      case INT64: {
        long[] v = new long[n];
        Arrays.fill(v, 1);
        return Tensor.ofLongs(v, shape);
      }
      case UINT8: {
        byte[] v = new byte[n];
        random.nextBytes(v);
        return Tensor.ofUint8(v, shape);
      }
      case BOOL: {
        boolean[] v = new boolean[n];
        Arrays.fill(v, true);
        return Tensor.ofBooleans(v, shape);
      }
      default: {
        String[] v = new String[n];
        Arrays.fill(v, "a");
        return Tensor.ofStrings(v, shape);
      }
    }
  }

  private static List<NamedTensors> warmUpRows(List<NamedTensors> warmUp, ModelSignature sig) {
    List<NamedTensors> rows = new ArrayList<>();
    for (NamedTensors w : warmUp) {
      if (w.isEmpty() || !sig.batched()) {
        continue;
      }
      long n = w.asMap().values().iterator().next().dim(0);
      long[] ones = new long[Math.toIntExact(n)];
      Arrays.fill(ones, 1);
      rows.addAll(w.split(ones));
      if (rows.size() >= ROWS) {
        break;
      }
    }
    return rows.size() > ROWS ? rows.subList(0, ROWS) : rows;
  }

  /** The rows of the first row's shape, the padded dimension aside: only those would share a batch. */
  private static List<NamedTensors> sameKey(List<NamedTensors> rows, Padding padding) {
    if (rows.isEmpty()) {
      return rows;
    }
    List<NamedTensors> out = new ArrayList<>();
    String key = key(rows.get(0), padding);
    for (NamedTensors r : rows) {
      if (key(r, padding).equals(key)) {
        out.add(r);
      }
    }
    return out;
  }

  private static String key(NamedTensors row, Padding padding) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Tensor> e : row.asMap().entrySet()) {
      long[] shape = e.getValue().shape();
      int[] padded = padding == null ? null : padding.inputDims(e.getKey());
      if (padded != null) {
        for (int axis : padded) {
          shape[axis] = -1;
        }
      }
      b.append(e.getKey()).append(e.getValue().dtype()).append(Arrays.toString(shape));
    }
    return b.toString();
  }

  /** The largest difference between {@code a} and {@code b}, relative to {@code a}'s largest magnitude (at least 1). */
  static double difference(Tensor a, Tensor b) {
    if (a.dtype() == DataType.STRING) {
      return Arrays.equals(a.toStringArray(), b.toStringArray()) ? 0 : Double.POSITIVE_INFINITY;
    }
    double[] x = doubles(a);
    double[] y = doubles(b);
    double scale = 1;
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      if (Double.isNaN(x[i]) && Double.isNaN(y[i])) {
        continue;
      }
      if (Double.isFinite(x[i])) {
        scale = Math.max(scale, Math.abs(x[i]));
      }
      double d = x[i] == y[i] ? 0 : Math.abs(x[i] - y[i]); // equal infinities differ by 0, not NaN
      worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
    }
    return worst / scale;
  }

  private static double[] doubles(Tensor t) {
    switch (t.dtype()) {
      case FLOAT32: {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
          d[i] = f[i];
        }
        return d;
      }
      case FLOAT64: return t.toDoubleArray();
      case INT32: return Arrays.stream(t.toIntArray()).asDoubleStream().toArray();
      case INT64: return Arrays.stream(t.toLongArray()).asDoubleStream().toArray();
      case BOOL: {
        boolean[] v = t.toBooleanArray();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
          d[i] = v[i] ? 1 : 0;
        }
        return d;
      }
      default: {
        byte[] v = t.toByteArray();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
          d[i] = v[i] & 0xff;
        }
        return d;
      }
    }
  }
}
