package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.EngineException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * How requests become one engine run and back: padded along the named dimension (when configured), joined along
 * dimension 0, run, split per request and cut back. The serving path and the deploy-time invariance check both run
 * batches through here, so the check tests what serving does.
 */
public final class Assembly {

  private Assembly() {}

  /**
   * Runs {@code parts} (of {@code rows[i]} rows each) as one engine run of {@code engine} and returns each part's
   * outputs.
   *
   * @param who     "model 'm' version 'v'", for messages
   * @param padding null when requests are not padded
   * @throws EngineException when an output does not have a row per input row, or the padded length where it should
   */
  public static List<NamedTensors> run(String who, List<NamedTensors> parts, long[] rows, Padding padding,
      UnaryOperator<NamedTensors> engine) {
    int n = parts.size();
    List<NamedTensors> in = parts;
    long[] lengths = null;
    long target = -1;
    if (padding != null) {
      lengths = new long[n];
      long longest = 0;
      for (int i = 0; i < n; i++) {
        lengths[i] = padding.length(parts.get(i));
        longest = Math.max(longest, lengths[i]);
      }
      target = padding.target(longest);
      in = new ArrayList<>(n);
      for (NamedTensors p : parts) {
        in.add(padding.pad(p, target));
      }
    }
    List<NamedTensors> out;
    if (n == 1) {
      out = List.of(engine.apply(in.get(0)));
    } else {
      long total = 0;
      for (long r : rows) {
        total += r;
      }
      NamedTensors outputs = engine.apply(NamedTensors.concat(in));
      checkRows(who, outputs, total);
      out = outputs.split(rows);
    }
    if (padding == null) {
      return out;
    }
    List<NamedTensors> cut = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      cut.add(padding.cut(out.get(i), target, lengths[i], who));
    }
    return cut;
  }

  /**
   * Runs one request of {@code rows} rows in consecutive parts of at most {@code maxRows} rows and joins the outputs:
   * {@code batching.max-size} bounds every engine run, a large request included.
   */
  public static NamedTensors runInParts(String who, NamedTensors in, long rows, long maxRows, Padding padding,
      UnaryOperator<NamedTensors> engine) {
    List<NamedTensors> outs = new ArrayList<>();
    for (long from = 0; from < rows; from += maxRows) {
      long to = Math.min(rows, from + maxRows);
      NamedTensors.Builder chunk = NamedTensors.builder();
      for (Map.Entry<String, Tensor> e : in.asMap().entrySet()) {
        chunk.put(e.getKey(), e.getValue().slice(from, to));
      }
      NamedTensors out = run(who, List.of(chunk.build()), new long[] {to - from}, padding, engine).get(0);
      checkRows(who, out, to - from);
      outs.add(out);
    }
    return NamedTensors.concat(outs);
  }

  private static void checkRows(String who, NamedTensors outputs, long rows) {
    for (Map.Entry<String, Tensor> e : outputs.asMap().entrySet()) {
      Tensor t = e.getValue();
      if (t.rank() == 0 || t.dim(0) != rows) {
        throw new EngineException(who + " returned output '" + e.getKey() + "' of shape "
            + Arrays.toString(t.shape()) + " for a batch of " + rows + " rows; expected dimension 0 to be " + rows
            + ", as its signature declares it batched");
      }
    }
  }
}
