package dev.deduce.perf.sla;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.deduce.config.SettingException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code inputs.<name>}: the shape of one input and the values to send in it. Without values, inputs are random as
 * the kit's reference models make them; a model whose inputs are indices (token ids, a 0/1 mask) needs them given.
 *
 * @param shape   the input's shape, for dynamic non-batch dimensions; empty for the model's own
 * @param min     smallest value of a uniform range (integers inclusive), with {@code max}
 * @param max     largest value of a uniform range, with {@code min}
 * @param value   one value for every element
 * @param choices values to draw from, uniformly
 */
public record InputValues(List<Long> shape, Optional<Double> min, Optional<Double> max, Optional<Double> value,
    List<Double> choices) {

  /** Checks the shape and that one kind of value is given, whole. */
  public InputValues {
    if (shape.stream().anyMatch(d -> d < 0)) {
      throw new SettingException("shape", shape, "a list of whole dimensions of 0 or more");
    }
    int kinds = (min.isPresent() || max.isPresent() ? 1 : 0) + (value.isPresent() ? 1 : 0)
        + (choices.isEmpty() ? 0 : 1);
    if (kinds > 1) {
      throw new SettingException("value", "min/max, value and choices together",
          "one of: a range (min and max), a constant (value), or a list (choices)");
    }
    if (min.isPresent() != max.isPresent()) {
      throw new SettingException(min.isPresent() ? "max" : "min", "missing",
          "min and max together, e.g. { min = 1, max = 999 }");
    }
    if (min.isPresent() && min.get() > max.get()) {
      throw new SettingException("min", min.get(), "at most max (" + max.get() + ")");
    }
    for (Optional<Double> d : List.of(min, max, value)) {
      d.ifPresent(InputValues::finite);
    }
    choices.forEach(InputValues::finite);
  }

  private static void finite(double d) {
    if (!Double.isFinite(d)) {
      throw new SettingException("value", d, "a finite number");
    }
  }

  /** Whether values are given; otherwise they are random. */
  public boolean hasValues() {
    return min.isPresent() || value.isPresent() || !choices.isEmpty();
  }

  /** Rewrites the short form {@code inputs { x = [1, 16] }} to {@code inputs { x { shape = [1, 16] } }}. */
  static Config shapesAsObjects(Config sla) {
    if (!sla.hasPath("inputs") || sla.getValue("inputs").valueType() != ConfigValueType.OBJECT) {
      return sla;
    }
    Config out = sla;
    for (Map.Entry<String, ConfigValue> e : sla.getObject("inputs").entrySet()) {
      if (e.getValue().valueType() == ConfigValueType.LIST) {
        out = out.withValue("inputs.\"" + e.getKey() + "\"", ConfigValueFactory.fromMap(
            Map.of("shape", e.getValue().unwrapped()), e.getValue().origin().description()));
      }
    }
    return out;
  }
}
