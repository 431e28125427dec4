package dev.deduce.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A named input or output of a model: its dtype and shape, where -1 marks a dimension of any size, and the names of
 * its dynamic dimensions where the model gives them (ONNX {@code dim_param}, or a signature that names them).
 *
 * <p>Dimensions of the same name are the same size: inputs that share one must agree, and padding works along one.
 *
 * @param name     the tensor's name in the model
 * @param dtype    its element type
 * @param shape    its shape, -1 for a dynamic dimension
 * @param dimNames empty when no dimension is named; otherwise one entry per dimension, "" for an unnamed one, and
 *                 only dynamic (-1) dimensions may be named
 */
public record TensorSpec(String name, DataType dtype, long[] shape, List<String> dimNames) {

  /** Validates and copies the shape and names. */
  public TensorSpec {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(dtype, "dtype of '" + name + "' must not be null");
    Objects.requireNonNull(shape, "shape of '" + name + "' must not be null");
    Objects.requireNonNull(dimNames, "dimension names of '" + name + "' must not be null");
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
    dimNames = normalised(name, shape, dimNames);
  }

  /** A spec with no named dimension. */
  public TensorSpec(String name, DataType dtype, long[] shape) {
    this(name, dtype, shape, List.of());
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

  /** The name of dimension {@code i}, if it has one. */
  public Optional<String> dimName(int i) {
    return dimNames.isEmpty() || dimNames.get(i).isEmpty() ? Optional.empty() : Optional.of(dimNames.get(i));
  }

  /** The index of the first dimension called {@code dim}, or -1 when no dimension has that name. */
  public int dimIndex(String dim) {
    return dimNames.indexOf(dim);
  }

  /** This spec with dimension {@code i} called {@code dim} (it must be dynamic); an empty name removes it. */
  public TensorSpec withDimName(int i, String dim) {
    List<String> names = new ArrayList<>(dimNames.isEmpty() ? java.util.Collections.nCopies(rank(), "") : dimNames);
    names.set(i, Objects.requireNonNull(dim, "dimension name must not be null"));
    return new TensorSpec(name, dtype, shape, names);
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
    return o instanceof TensorSpec t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
        && t.dimNames.equals(dimNames);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), dimNames);
  }

  /** {@code name:DTYPE[d0, d1]}, a named dimension shown by its name: {@code ids:INT64[batch, sequence]}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(name).append(':').append(dtype).append('[');
    for (int i = 0; i < shape.length; i++) {
      b.append(i == 0 ? "" : ", ").append(dimName(i).orElse(Long.toString(shape[i])));
    }
    return b.append(']').toString();
  }

  private static List<String> normalised(String name, long[] shape, List<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    if (names.size() != shape.length) {
      throw new IllegalArgumentException("'" + name + "' has " + names.size() + " dimension names for shape "
          + Arrays.toString(shape) + "; expected one per dimension (\"\" for an unnamed one)");
    }
    boolean any = false;
    List<String> out = new ArrayList<>(names.size());
    for (int i = 0; i < shape.length; i++) {
      String n = Objects.requireNonNull(names.get(i), "dimension name " + i + " of '" + name + "' is null").trim();
      if (!n.isEmpty() && shape[i] != -1) {
        throw new IllegalArgumentException("dimension " + i + " of '" + name + "' is named '" + n + "' but fixed at "
            + shape[i] + "; expected only dynamic (-1) dimensions to carry a name");
      }
      any |= !n.isEmpty();
      out.add(n);
    }
    return any ? List.copyOf(out) : List.of();
  }
}
