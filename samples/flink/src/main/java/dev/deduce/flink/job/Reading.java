package dev.deduce.flink.job;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/** One input record of the example job: an id and 16 features, the input row of ModelKit's mlp-small. A POJO. */
public class Reading {

  /** mlp-small's input width. */
  public static final int FEATURES = 16;

  /** The record's own id, stable across replays. */
  public long id;
  /** {@value #FEATURES} features. */
  public float[] features;

  /** For Flink's POJO serializer. */
  public Reading() {}

  /** A reading with {@code features}. */
  public Reading(long id, float[] features) {
    this.id = id;
    this.features = features;
  }

  /** The reading the data generator makes for index {@code id}: features in [-1, 1), the same for the same id. */
  public static Reading generated(long id) {
    SplittableRandom r = new SplittableRandom(0x5EED_0000_0000L ^ id);
    float[] f = new float[FEATURES];
    for (int i = 0; i < FEATURES; i++) {
      f[i] = (float) r.nextDouble(-1, 1);
    }
    return new Reading(id, f);
  }

  /**
   * Parses a line {@code id,f1,...,f16} of an input file.
   *
   * @throws IllegalArgumentException naming the line and what was expected
   */
  public static Reading parse(String line) {
    String[] parts = line.trim().split("\\s*,\\s*");
    if (parts.length != FEATURES + 1) {
      throw new IllegalArgumentException("input line '" + line + "' has " + parts.length + " fields; expected an id"
          + " and " + FEATURES + " features separated by commas");
    }
    try {
      float[] f = new float[FEATURES];
      for (int i = 0; i < FEATURES; i++) {
        f[i] = Float.parseFloat(parts[i + 1]);
      }
      return new Reading(Long.parseLong(parts[0]), f);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("input line '" + line + "' holds a field that is not a number ("
          + e.getMessage() + "); expected an integer id and " + FEATURES + " decimal features", e);
    }
  }

  /** This reading as an input file line. */
  public String line() {
    StringBuilder s = new StringBuilder().append(id);
    for (float v : features) {
      s.append(',').append(String.format(Locale.ROOT, "%s", v));
    }
    return s.toString();
  }

  /** mlp-small's input: {@code x} of shape [1, 16]. */
  public NamedTensors tensors() {
    return NamedTensors.of("x", Tensor.ofFloats(features, 1, features.length));
  }

  @Override
  public String toString() {
    return "Reading{id=" + id + ", features=" + Arrays.toString(features) + "}";
  }
}
