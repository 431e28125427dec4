package dev.deduce.engine.djl;

import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.TransientEngineException;
import dev.deduce.spi.EngineErrors;
import java.nio.file.Path;
import java.util.Locale;

/** Turns DJL and PyTorch errors into Deduce's error kinds, with messages that say what was expected. */
final class Failures {

  private Failures() {}

  /** The load error for {@code path}, read as {@code what}. */
  static ModelLoadException load(Path path, String what, Throwable e) {
    return new ModelLoadException(path, "DJL's PyTorch engine cannot load it as " + what + " (" + describe(e)
        + ")", e);
  }

  /**
   * The run error for model {@code model}: allocation failures are transient; anything else PyTorch raises on inputs
   * that passed the declared signature means the model and its declared signature disagree, which a retry will not
   * fix.
   */
  static DeduceException run(String model, RuntimeException e) {
    String msg = describe(e);
    String lower = msg.toLowerCase(Locale.ROOT);
    if (lower.contains("out of memory") || lower.contains("can't allocate") || lower.contains("cannot allocate")) {
      return new TransientEngineException("PyTorch ran out of memory running model '" + model + "': " + msg, e);
    }
    return new EngineException("PyTorch failed to run model '" + model + "': " + msg + "; expected the model to"
        + " accept inputs matching its declared signature (options inputs/outputs)", e);
  }

  /** The deepest message, where PyTorch's own text is, on one line with its root cause (not just its first line). */
  static String describe(Throwable e) {
    return EngineErrors.reason(e);
  }
}
