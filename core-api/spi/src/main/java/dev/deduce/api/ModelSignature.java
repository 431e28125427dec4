package dev.deduce.api;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A model's named inputs and outputs, and whether dimension 0 of every one is a batch dimension.
 *
 * @param inputs  the inputs, in model order
 * @param outputs the outputs, in model order
 * @param batched whether dimension 0 of every input and output is a batch dimension, so requests may be concatenated
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs, boolean batched) {

  /** Validates names are unique and, when batched, that every tensor has a dynamic dimension 0. */
  public ModelSignature {
    inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs must not be null"));
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs must not be null"));
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a model signature needs at least one input, got none");
    }
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("a model signature needs at least one output, got none");
    }
    unique(inputs, "input");
    unique(outputs, "output");
    if (batched) {
      for (TensorSpec s : concatSpecs(inputs, outputs)) {
        if (s.rank() == 0) {
          throw new IllegalArgumentException("'" + s.name() + "' is rank 0, so the model cannot be batched;"
              + " expected a rank of 1 or more with dimension 0 as the batch");
        }
      }
    }
  }

  /**
   * A signature that is batched exactly when dimension 0 of every input and output is dynamic (-1), as engines read
   * it from a model's own declarations.
   */
  public static ModelSignature batchedWhenDynamic(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    boolean batched = true;
    for (TensorSpec s : concatSpecs(inputs, outputs)) {
      if (s.rank() == 0 || s.shape()[0] != -1) {
        batched = false;
      }
    }
    return new ModelSignature(inputs, outputs, batched);
  }

  /** The input called {@code name}, if any. */
  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The output called {@code name}, if any. */
  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * Checks {@code tensors} against the inputs: the same names, dtypes and ranks, every fixed dimension equal, equal
   * batch sizes; no element limit (that is the runtime's setting {@code max-elements}).
   *
   * @throws InvalidInputException naming what was wrong and what was expected
   */
  public void validate(NamedTensors tensors) {
    validate(tensors, Long.MAX_VALUE);
  }

  /**
   * Checks {@code tensors} against the inputs: the same names, dtypes and ranks, every fixed dimension equal, at
   * most {@code maxElements} elements in all.
   *
   * @throws InvalidInputException naming what was wrong and what was expected
   */
  public void validate(NamedTensors tensors, long maxElements) {
    if (tensors == null) {
      throw new InvalidInputException("inputs are null; expected tensors named " + names(inputs));
    }
    for (String given : tensors.names()) {
      if (input(given).isEmpty()) {
        throw new InvalidInputException("unknown input '" + given + "'; expected inputs " + names(inputs));
      }
    }
    long total = 0;
    long batch = -1;
    for (TensorSpec spec : inputs) {
      if (!tensors.contains(spec.name())) {
        throw new InvalidInputException("missing input '" + spec.name() + "'; expected inputs " + names(inputs));
      }
      Tensor t = tensors.get(spec.name());
      if (t.dtype() != spec.dtype()) {
        throw new InvalidInputException("input '" + spec.name() + "' is " + t.dtype() + "; expected " + spec.dtype());
      }
      if (t.rank() != spec.rank()) {
        throw new InvalidInputException("input '" + spec.name() + "' has rank " + t.rank() + " (shape "
            + Arrays.toString(t.shape()) + "); expected rank " + spec.rank() + " " + Arrays.toString(spec.shape()));
      }
      if (!spec.accepts(t.shape())) {
        throw new InvalidInputException("input '" + spec.name() + "' has shape " + Arrays.toString(t.shape())
            + "; expected " + Arrays.toString(spec.shape()) + " (-1 = any size)");
      }
      if (batched) {
        if (batch >= 0 && t.dim(0) != batch) {
          throw new InvalidInputException("input '" + spec.name() + "' has " + t.dim(0)
              + " rows; expected every input to have the same batch size, " + batch);
        }
        batch = t.dim(0);
      }
      total += t.elementCount();
    }
    namedDimsAgree(tensors);
    if (total > maxElements) {
      throw new InvalidInputException("request holds " + total + " elements; expected at most " + maxElements
          + " (the configured maximum per request)");
    }
  }

  /**
   * Inputs sharing a named dimension must agree on its size: the engine would refuse them anyway, and a failure deep
   * inside it would not say which inputs disagreed. Each named dimension is compared with its first occurrence;
   * nothing is allocated, as this runs for every request (the batch dimension is checked above already).
   */
  private void namedDimsAgree(NamedTensors tensors) {
    for (int i = 0; i < inputs.size(); i++) {
      List<String> names = inputs.get(i).dimNames();
      for (int d = batched ? 1 : 0; d < names.size(); d++) {
        String dim = names.get(d);
        if (!dim.isEmpty()) {
          firstAgrees(tensors, i, d, dim);
        }
      }
    }
  }

  /** Compares dimension {@code d} of input {@code i} with the first earlier dimension called {@code dim}, if any. */
  private void firstAgrees(NamedTensors tensors, int i, int d, String dim) {
    for (int j = 0; j <= i; j++) {
      List<String> names = inputs.get(j).dimNames();
      int upTo = j == i ? d : names.size();
      for (int e = batched ? 1 : 0; e < upTo; e++) {
        if (!dim.equals(names.get(e))) {
          continue;
        }
        TensorSpec spec = inputs.get(i);
        TensorSpec other = inputs.get(j);
        long[] shape = tensors.get(spec.name()).shape();
        long[] otherShape = tensors.get(other.name()).shape();
        if (otherShape[e] != shape[d]) {
          String who = j == i ? "input '" + spec.name() + "' disagrees with itself" : "inputs '" + other.name()
              + "' and '" + spec.name() + "' disagree";
          throw new InvalidInputException(who + " on dimension '" + dim + "': '" + other.name() + "' "
              + Arrays.toString(otherShape) + " has " + otherShape[e] + " at index " + e + ", '" + spec.name()
              + "' " + Arrays.toString(shape) + " has " + shape[d] + " at index " + d
              + "; expected the same size wherever dimension '" + dim + "' appears");
        }
        return;
      }
    }
  }

  private static List<TensorSpec> concatSpecs(List<TensorSpec> a, List<TensorSpec> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }

  private static void unique(List<TensorSpec> specs, String what) {
    Set<String> seen = new HashSet<>();
    for (TensorSpec s : specs) {
      Objects.requireNonNull(s, what + " spec must not be null");
      if (!seen.add(s.name())) {
        throw new IllegalArgumentException(what + " name '" + s.name() + "' appears twice; expected unique names");
      }
    }
  }
}
