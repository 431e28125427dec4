package dev.deduce.engine.djl;

import dev.deduce.api.DataType;
import dev.deduce.api.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compact tensor-spec syntax of the {@code inputs} and {@code outputs} options: specs separated by {@code ;},
 * each {@code name:DTYPE[d0,d1,...]} with -1 for a dimension of any size, e.g. {@code x:FLOAT32[-1,16]; y:INT64[-1]}.
 * It is what {@link TensorSpec#toString()} prints.
 */
final class SpecSyntax {

  private static final Pattern SPEC = Pattern.compile("\\s*([^:;\\s][^:;]*?)\\s*:\\s*([A-Za-z0-9]+)\\s*\\[([^\\]]*)\\]\\s*");

  private SpecSyntax() {}

  /**
   * Parses a spec list.
   *
   * @throws IllegalArgumentException saying which spec is malformed and what the syntax is
   */
  static List<TensorSpec> parse(String text) {
    List<TensorSpec> specs = new ArrayList<>();
    for (String part : text.split(";", -1)) {
      if (part.isBlank()) {
        continue;
      }
      Matcher m = SPEC.matcher(part);
      if (!m.matches()) {
        throw new IllegalArgumentException("'" + part.trim() + "' is not a tensor spec; expected name:DTYPE[dims],"
            + " e.g. x:FLOAT32[-1,16]");
      }
      DataType dtype;
      try {
        dtype = DataType.valueOf(m.group(2).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + part.trim() + "' has dtype " + m.group(2) + "; expected one of "
            + Arrays.toString(DataType.values()), e);
      }
      specs.add(new TensorSpec(m.group(1), dtype, dims(part.trim(), m.group(3))));
    }
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' names no tensor; expected name:DTYPE[dims] specs separated"
          + " by ;");
    }
    return specs;
  }

  private static long[] dims(String spec, String text) {
    if (text.isBlank()) {
      return new long[0];
    }
    String[] parts = text.split(",", -1);
    long[] dims = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        dims[i] = Long.parseLong(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + spec + "' has dimension '" + parts[i].trim() + "'; expected a whole"
            + " number, or -1 for any size", e);
      }
      if (dims[i] < -1) {
        throw new IllegalArgumentException("'" + spec + "' has dimension " + dims[i] + "; expected 0 or more, or -1"
            + " for any size");
      }
    }
    return dims;
  }
}
