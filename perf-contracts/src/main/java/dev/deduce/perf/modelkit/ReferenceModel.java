package dev.deduce.perf.modelkit;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.reference.ReferenceGraph;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A model of the kit: its graph, whose {@link ReferenceGraph#evaluate} is the oracle, and a seeded input generator.
 *
 * @param name  the model name, also the graph name and the file name writers use
 * @param graph the graph
 * @param seed  the seed inputs are drawn from
 */
public record ReferenceModel(String name, ReferenceGraph graph, long seed) {

  private static final int[] TEXT = "aZ09 _-\"'[]{}\\\né漢字🙂".codePoints().toArray();

  /** Rejects nulls. */
  public ReferenceModel {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(graph, "graph must not be null");
  }

  /**
   * Inputs for {@code batch} rows; the same batch size always gives the same values.
   *
   * <p>Floats lie in [-1, 1), integers in [-1000, 1000), strings mix ASCII, quotes, brackets and non-Latin text.
   */
  public NamedTensors inputs(int batch) {
    if (batch < 0) {
      throw new IllegalArgumentException("batch is " + batch + "; expected 0 or more");
    }
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + batch);
    NamedTensors.Builder b = NamedTensors.builder();
    for (TensorSpec spec : graph.signature().inputs()) {
      long[] shape = spec.shape();
      shape[0] = batch;
      for (int i = 1; i < shape.length; i++) {
        if (shape[i] < 0) {
          shape[i] = 3;
        }
      }
      b.put(spec.name(), random(spec.dtype(), shape, random));
    }
    return b.build();
  }

  /** What the model must return for {@code inputs}: the oracle's answer. */
  public NamedTensors expected(NamedTensors inputs) {
    return graph.evaluate(inputs);
  }

  /** A tensor of {@code dtype} and {@code shape} with values drawn from {@code random}. */
  public static Tensor random(DataType dtype, long[] shape, SplittableRandom random) {
    long count = 1;
    for (long d : shape) {
      count = Math.multiplyExact(count, d);
    }
    int n = Math.toIntExact(count);
    switch (dtype) {
      case FLOAT32: {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = (float) random.nextDouble(-1, 1);
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64: {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = random.nextDouble(-1, 1);
        }
        return Tensor.ofDoubles(v, shape);
      }
      case INT32: {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = random.nextInt(-1000, 1000);
        }
        return Tensor.ofInts(v, shape);
      }
      case INT64: {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = random.nextLong(-1000, 1000);
        }
        return Tensor.ofLongs(v, shape);
      }
      case UINT8: {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
          v[i] = (byte) random.nextInt(256);
        }
        return Tensor.ofUint8(v, shape);
      }
      case BOOL: {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = random.nextBoolean();
        }
        return Tensor.ofBooleans(v, shape);
      }
      default: {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
          StringBuilder s = new StringBuilder();
          int len = random.nextInt(9);
          for (int k = 0; k < len; k++) {
            s.appendCodePoint(TEXT[random.nextInt(TEXT.length)]);
          }
          v[i] = s.toString();
        }
        return Tensor.ofStrings(v, shape);
      }
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
