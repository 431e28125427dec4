package dev.deduce.perf.engine;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.util.Arrays;

/**
 * How far an engine's output may stray from the oracle: {@code |actual - expected| <= abs + rel * |expected|}.
 *
 * <p>FLOAT32 allows 1e-4 + 1e-4 relative (engines sum in other orders and fuse multiply-adds); FLOAT64 allows
 * 1e-9 + 1e-9 relative; every other dtype must match exactly.
 *
 * @param abs the absolute allowance
 * @param rel the allowance relative to the expected value
 */
public record Tolerance(double abs, double rel) {

  /** Exact equality. */
  public static final Tolerance EXACT = new Tolerance(0, 0);

  /** Rejects negative or non-finite allowances. */
  public Tolerance {
    if (!(abs >= 0 && rel >= 0) || Double.isInfinite(abs) || Double.isInfinite(rel)) {
      throw new IllegalArgumentException("tolerance abs=" + abs + " rel=" + rel + "; expected finite values >= 0");
    }
  }

  /** The tolerance the engine contract applies to {@code dtype}. */
  public static Tolerance of(DataType dtype) {
    switch (dtype) {
      case FLOAT32: return new Tolerance(1e-4, 1e-4);
      case FLOAT64: return new Tolerance(1e-9, 1e-9);
      default: return EXACT;
    }
  }

  /**
   * Checks that {@code actual} has the names, dtypes and shapes of {@code expected} and values within each dtype's
   * tolerance.
   *
   * @throws AssertionError saying which tensor and element differ
   */
  public static void assertMatches(NamedTensors actual, NamedTensors expected, String context) {
    if (!actual.names().equals(expected.names())) {
      throw new AssertionError(context + ": outputs " + actual.names() + "; expected " + expected.names());
    }
    for (String name : expected.names()) {
      Tensor a = actual.get(name);
      Tensor e = expected.get(name);
      String where = context + ", output '" + name + "'";
      if (a.dtype() != e.dtype() || !Arrays.equals(a.shape(), e.shape())) {
        throw new AssertionError(where + ": " + a.dtype() + Arrays.toString(a.shape()) + "; expected "
            + e.dtype() + Arrays.toString(e.shape()));
      }
      of(e.dtype()).check(a, e, where);
    }
  }

  private void check(Tensor a, Tensor e, String where) {
    switch (e.dtype()) {
      case FLOAT32: {
        float[] x = a.toFloatArray();
        float[] y = e.toFloatArray();
        for (int i = 0; i < y.length; i++) {
          near(x[i], y[i], i, where);
        }
        break;
      }
      case FLOAT64: {
        double[] x = a.toDoubleArray();
        double[] y = e.toDoubleArray();
        for (int i = 0; i < y.length; i++) {
          near(x[i], y[i], i, where);
        }
        break;
      }
      case STRING: {
        String[] x = a.toStringArray();
        String[] y = e.toStringArray();
        for (int i = 0; i < y.length; i++) {
          if (!x[i].equals(y[i])) {
            throw new AssertionError(where + ": element " + i + " is \"" + x[i] + "\"; expected \"" + y[i] + "\"");
          }
        }
        break;
      }
      default:
        if (!a.buffer().equals(e.buffer())) {
          throw new AssertionError(where + ": " + a + "; expected exactly " + e);
        }
    }
  }

  private void near(double actual, double expected, int i, String where) {
    double allowed = abs + rel * Math.abs(expected);
    if (!(Math.abs(actual - expected) <= allowed)) {
      throw new AssertionError(where + ": element " + i + " is " + actual + "; expected " + expected + " within "
          + allowed);
    }
  }
}
