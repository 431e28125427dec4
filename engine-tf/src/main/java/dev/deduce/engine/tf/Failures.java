package dev.deduce.engine.tf;

import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.TransientEngineException;
import dev.deduce.spi.EngineErrors;
import java.util.Locale;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFResourceExhaustedException;

/** Turns TensorFlow errors into Deduce's error kinds, with messages that say what was expected. */
final class Failures {

  private Failures() {}

  /**
   * The run error for model {@code model}: arguments TensorFlow rejects are invalid input, exhausted resources
   * (memory, device) are transient, the rest permanent.
   */
  static DeduceException run(String model, RuntimeException e) {
    String msg = EngineErrors.reason(e);
    if (e instanceof TFInvalidArgumentException) {
      return new InvalidInputException("model '" + model + "' rejected the inputs: " + msg
          + "; expected inputs its graph accepts", e);
    }
    String text = "TensorFlow failed to run model '" + model + "' (" + e.getClass().getSimpleName() + "): " + msg;
    String lower = msg.toLowerCase(Locale.ROOT);
    if (e instanceof TFResourceExhaustedException || lower.contains("out of memory") || lower.startsWith("oom")) {
      return new TransientEngineException(text, e);
    }
    return new EngineException(text, e);
  }
}
