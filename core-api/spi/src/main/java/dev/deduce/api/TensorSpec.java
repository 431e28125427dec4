package dev.deduce.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named input or output of a model: its dtype and shape, where -1 marks a dimension of any size.
 *
 * @param name  the tensor's name in the model
 * @param dtype its element type
 * @param shape its shape, -1 for a dynamic dimension
 */
public record TensorSpec(String name, DataType dtype, long[] shape) {

  /** Validates and copies the shape. */
  public TensorSpec {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(dtype, "dtype of '" + name + "' must not be null");
    Objects.requireNonNull(shape, "shape of '" + name + "' must not be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("tensor spec name is blank; expected a non-empty name");
    }
    shape = shape.clone();
    for (long d : shape) {
      if (d < -1) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of '" + name
            + "' has dimension " + d + "; expected 0 or more, or -1 for dynamic");
      }
    }
  }

  /** A spec for {@code name}. */
  public static TensorSpec of(String name, DataType dtype, long... shape) {
    return new TensorSpec(name, dtype, shape);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Whether {@code tensor}'s shape fits this spec (same rank, every fixed dimension equal). */
  public boolean accepts(long[] tensorShape) {
    if (tensorShape.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] != -1 && shape[i] != tensorShape[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return name + ":" + dtype + Arrays.toString(shape);
  }
}
