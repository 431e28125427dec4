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
 * each {@code name:DTYPE[d0,d1,...]} with -1 for a dimension of any size, or a name for a dynamic dimension that
 * other tensors share, e.g. {@code ids:INT64[batch,sequence]; mask:INT64[batch,sequence]; y:FLOAT32[batch,16]}.
 * It is what {@link TensorSpec#toString()} prints.
 */
final class SpecSyntax {

  private static final Pattern SPEC = Pattern.compile("\\s*([^:;\\s][^:;]*?)\\s*:\\s*([A-Za-z0-9]+)\\s*\\[([^\\]]*)\\]\\s*");

  private static final Pattern DIM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

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
      List<String> names = new ArrayList<>();
      specs.add(new TensorSpec(m.group(1), dtype, dims(part.trim(), m.group(3), names), names));
    }
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' names no tensor; expected name:DTYPE[dims] specs separated"
          + " by ;");
    }
    return specs;
  }

  /** The dimensions of {@code text}; a named one is dynamic (-1) and its name goes to {@code names}. */
  private static long[] dims(String spec, String text, List<String> names) {
    if (text.isBlank()) {
      return new long[0];
    }
    String[] parts = text.split(",", -1);
    long[] dims = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String token = parts[i].trim();
      if (DIM_NAME.matcher(token).matches()) {
        dims[i] = -1;
        names.add(token);
        continue;
      }
      names.add("");
      try {
        dims[i] = Long.parseLong(token);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + spec + "' has dimension '" + token + "'; expected a whole"
            + " number, -1 for any size, or a name such as sequence for a dynamic dimension", e);
      }
      if (dims[i] < -1) {
        throw new IllegalArgumentException("'" + spec + "' has dimension " + dims[i] + "; expected 0 or more, or -1"
            + " for any size");
      }
    }
    return dims;
  }
}
