package dev.deduce.perf.sla;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.modelkit.ReferenceModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/** What each caller sends: sample requests from a file in turn, or inputs made from the SLA and the signature. */
final class SlaInputs {

  private SlaInputs() {}

  /** The requests caller {@code caller} sends, in turn: seeded, so runs are repeatable. */
  static List<NamedTensors> forCaller(SlaSpec spec, ModelSignature signature, int caller, List<NamedTensors> samples) {
    if (!samples.isEmpty()) {
      List<NamedTensors> rotated = new ArrayList<>(samples.size());
      for (int i = 0; i < samples.size(); i++) {
        rotated.add(samples.get((caller + i) % samples.size()));
      }
      return rotated;
    }
    return List.of(make(spec, signature, caller));
  }

  /** One request's inputs for caller {@code caller}. */
  static NamedTensors make(SlaSpec spec, ModelSignature signature, int caller) {
    for (String name : spec.inputs().keySet()) {
      if (signature.input(name).isEmpty()) {
        throw new IllegalArgumentException("SLA " + spec.name() + ": inputs." + name + " names no input of model '"
            + spec.model() + "'; expected one of " + names(signature));
      }
    }
    for (String dim : spec.dims().keySet()) {
      if (signature.inputs().stream().noneMatch(in -> in.dimIndex(dim) >= 0)) {
        throw new IllegalArgumentException("SLA " + spec.name() + ": dims." + dim + " names no dimension of model '"
            + spec.model() + "'; its inputs are " + signature.inputs());
      }
    }
    Map<String, long[]> shapes = spec.inputShapes();
    SplittableRandom random = new SplittableRandom(0x5eedL * 31 + caller);
    NamedTensors.Builder b = NamedTensors.builder();
    for (TensorSpec in : signature.inputs()) {
      long[] shape = shapes.containsKey(in.name()) ? shapes.get(in.name()) : in.shape();
      if (shape.length != in.rank()) {
        throw new IllegalArgumentException("SLA " + spec.name() + ": inputs." + in.name() + " is "
            + Arrays.toString(shape) + "; expected rank " + in.rank() + " like the model's " + in);
      }
      if (signature.batched() || shape[0] < 0) {
        shape[0] = spec.batch();
      }
      for (int d = 1; d < shape.length; d++) {
        Long named = in.dimName(d).map(spec.dims()::get).orElse(null);
        if (shape[d] < 0 && named != null) {
          shape[d] = named;
        }
        if (shape[d] < 0) {
          throw new IllegalArgumentException("SLA " + spec.name() + ": input '" + in.name() + "' of model '"
              + spec.model() + "' has dynamic dimension " + d + " (" + in + "); expected its size in the SLA, e.g. "
              + in.dimName(d).map(n -> "dims { " + n + " = 8 } or ").orElse("") + "inputs { " + in.name()
              + " = " + Arrays.toString(example(in.shape(), spec.batch())) + " }");
        }
      }
      InputValues values = spec.inputs().get(in.name());
      b.put(in.name(), values == null || !values.hasValues() ? ReferenceModel.random(in.dtype(), shape, random)
          : filled(spec, in, shape, values, random));
    }
    return b.build();
  }

  private static Tensor filled(SlaSpec spec, TensorSpec in, long[] shape, InputValues v, SplittableRandom random) {
    boolean integral = in.dtype() != DataType.FLOAT32 && in.dtype() != DataType.FLOAT64;
    if (in.dtype() == DataType.STRING) {
      throw new IllegalArgumentException("SLA " + spec.name() + ": inputs." + in.name() + " gives values for a "
          + "STRING input; expected values only for numeric and BOOL inputs (send strings in a requests file)");
    }
    DoubleSupplier next;
    if (v.value().isPresent()) {
      double c = v.value().get();
      next = () -> c;
    } else if (!v.choices().isEmpty()) {
      List<Double> c = v.choices();
      next = () -> c.get(random.nextInt(c.size()));
    } else {
      double lo = v.min().get();
      double hi = v.max().get();
      next = integral ? () -> (double) random.nextLong((long) Math.ceil(lo), (long) Math.floor(hi) + 1)
          : () -> lo == hi ? lo : random.nextDouble(lo, hi);
    }
    int n = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = next.getAsDouble();
      check(spec, in, d[i]);
    }
    return Tensors.of(in.dtype(), d, shape);
  }

  // a value outside the dtype would wrap silently, and the model would see a different number than the SLA says
  private static void check(SlaSpec spec, TensorSpec in, double x) {
    double lo;
    double hi;
    switch (in.dtype()) {
      case BOOL: lo = 0; hi = 1; break;
      case UINT8: lo = 0; hi = 255; break;
      case INT32: lo = Integer.MIN_VALUE; hi = Integer.MAX_VALUE; break;
      case INT64: lo = Long.MIN_VALUE; hi = Long.MAX_VALUE; break;
      default: return;
    }
    if (x < lo || x > hi || x != Math.rint(x)) {
      throw new IllegalArgumentException("SLA " + spec.name() + ": inputs." + in.name() + " gives " + x + " for a "
          + in.dtype() + " input; expected whole numbers from " + (long) lo
          + " to " + (long) hi);
    }
  }

  private static List<String> names(ModelSignature signature) {
    return signature.inputs().stream().map(TensorSpec::name).toList();
  }

  private static long[] example(long[] shape, int batch) {
    long[] e = shape.clone();
    e[0] = batch;
    for (int i = 1; i < e.length; i++) {
      if (e[i] < 0) {
        e[i] = 8;
      }
    }
    return e;
  }
}
