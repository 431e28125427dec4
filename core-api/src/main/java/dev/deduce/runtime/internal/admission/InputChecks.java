package dev.deduce.runtime.internal.admission;

import dev.deduce.api.DataType;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Names;
import dev.deduce.api.Tensor;
import dev.deduce.runtime.NonFiniteInputs;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/** Checks of a request beyond its signature: its model name and version, empty batches, non-finite values. */
final class InputChecks {

  private InputChecks() {}

  /** Why the model name or version of a request cannot be served, or null. */
  static InvalidInputException names(String model, String version) {
    String problem = Names.modelNameProblem(model);
    if (problem == null && version != null) {
      problem = Names.versionProblem(version);
    }
    return problem == null ? null : new InvalidInputException(problem);
  }

  /** Why priority {@code level} cannot be served by a version with {@code levels} levels, or null. */
  static InvalidInputException priority(int level, int levels, String who) {
    return level < levels ? null : new InvalidInputException("priority " + level + " is above the highest level of "
        + who + "; expected 0 to " + (levels - 1) + " (its priority.levels is " + levels + ")");
  }

  /**
   * Why inputs that passed the signature are still refused, or null: a batched model's request with no rows has
   * nothing to run and engines disagree on it, and {@code REJECT} refuses NaN and infinities.
   */
  static InvalidInputException inputs(ModelSignature signature, NamedTensors inputs, NonFiniteInputs policy) {
    for (Map.Entry<String, Tensor> e : inputs.asMap().entrySet()) {
      Tensor t = e.getValue();
      if (signature.batched() && t.rank() > 0 && t.dim(0) == 0) {
        return new InvalidInputException("input '" + e.getKey() + "' has 0 rows (shape " + Arrays.toString(t.shape())
            + "); expected at least 1 row: a request with no rows has nothing to run");
      }
      if (policy == NonFiniteInputs.REJECT) {
        long at = firstNonFinite(t);
        if (at >= 0) {
          return new InvalidInputException("input '" + e.getKey() + "' holds " + value(t, at) + " at flat index " + at
              + " (shape " + Arrays.toString(t.shape()) + "); expected finite values: this model's "
              + "non-finite-inputs is reject");
        }
      }
    }
    return null;
  }

  private static long firstNonFinite(Tensor t) {
    if (t.dtype() == DataType.FLOAT32) {
      ByteBuffer b = t.buffer();
      for (int i = 0; i < t.elementCount(); i++) {
        if (!Float.isFinite(b.getFloat(i * Float.BYTES))) {
          return i;
        }
      }
    } else if (t.dtype() == DataType.FLOAT64) {
      ByteBuffer b = t.buffer();
      for (int i = 0; i < t.elementCount(); i++) {
        if (!Double.isFinite(b.getDouble(i * Double.BYTES))) {
          return i;
        }
      }
    }
    return -1;
  }

  private static String value(Tensor t, long at) {
    ByteBuffer b = t.buffer();
    double v = t.dtype() == DataType.FLOAT32 ? b.getFloat((int) at * Float.BYTES) : b.getDouble((int) at * Double.BYTES);
    return Double.toString(v);
  }
}
