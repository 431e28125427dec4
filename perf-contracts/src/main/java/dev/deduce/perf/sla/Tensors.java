package dev.deduce.perf.sla;

import dev.deduce.api.DataType;
import dev.deduce.api.Tensor;

/** Tensors of any numeric or BOOL dtype from doubles, which hold every value an SLA file or a JSON request can. */
final class Tensors {

  private Tensors() {}

  static Tensor of(DataType dtype, double[] d, long[] shape) {
    int n = d.length;
    switch (dtype) {
      case FLOAT32: {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) d[i];
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64:
        return Tensor.ofDoubles(d.clone(), shape);
      case INT32: {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = (int) d[i];
        }
        return Tensor.ofInts(v, shape);
      }
      case INT64: {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = (long) d[i];
        }
        return Tensor.ofLongs(v, shape);
      }
      case UINT8: {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
          v[i] = (byte) (int) d[i];
        }
        return Tensor.ofUint8(v, shape);
      }
      case BOOL: {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = d[i] != 0;
        }
        return Tensor.ofBooleans(v, shape);
      }
      default:
        throw new IllegalArgumentException(dtype + " cannot be made from numbers; expected a numeric or BOOL dtype");
    }
  }
}
