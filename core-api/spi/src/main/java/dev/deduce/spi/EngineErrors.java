package dev.deduce.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * Shared support for engines' error messages: the reason a native library gave, on one line, root cause included.
 *
 * <p>Native libraries put the first line of an error at the top and the cause further down: PyTorch's TorchScript
 * errors start "The following operation failed in the TorchScript interpreter." and end with the real reason after
 * a traceback; ONNX Runtime puts the offending dimensions on the lines after its first. Keeping only the first line
 * loses exactly what the caller needs to fix the input.
 */
public final class EngineErrors {

  /** The longest reason kept; longer text keeps its start and its end, where the root cause is. */
  public static final int MAX_REASON_CHARS = 2000;

  private EngineErrors() {}

  /**
   * The message of the deepest cause that has one, as one line: tracebacks and their code lines dropped, the other
   * lines joined with " | ", at most {@link #MAX_REASON_CHARS}. The class name when no cause has a message.
   */
  public static String reason(Throwable e) {
    String msg = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        msg = t.getMessage();
      }
    }
    return msg == null ? e.getClass().getName() : oneLine(msg);
  }

  /** {@code msg} as one line: see {@link #reason}. */
  public static String oneLine(String msg) {
    List<String> kept = new ArrayList<>();
    boolean inTraceback = false;
    for (String line : msg.split("\\R")) {
      if (line.isBlank()) {
        continue;
      }
      boolean indented = Character.isWhitespace(line.charAt(0));
      if (line.startsWith("Traceback")) {
        inTraceback = true;
      } else if (!inTraceback || !indented) {
        inTraceback = false;
        kept.add(line.strip());
      }
    }
    String joined = kept.isEmpty() ? msg.strip() : String.join(" | ", kept);
    if (joined.length() <= MAX_REASON_CHARS) {
      return joined;
    }
    int head = MAX_REASON_CHARS / 4;
    return joined.substring(0, head) + " … " + joined.substring(joined.length() - (MAX_REASON_CHARS - head - 3));
  }
}
