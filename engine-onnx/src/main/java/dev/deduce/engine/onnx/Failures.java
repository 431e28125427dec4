package dev.deduce.engine.onnx;

import ai.onnxruntime.OrtException;
import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.TransientEngineException;
import dev.deduce.spi.EngineErrors;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns ONNX Runtime errors into Deduce's error kinds, with messages that say what was expected. */
final class Failures {

  private static final Pattern OPSET = Pattern.compile("[Oo]pset (\\d+)");
  private static final Pattern SUPPORTED = Pattern.compile("till opset (\\d+)");

  private Failures() {}

  /** The load error for {@code path}; an opset newer than the runtime knows is named as such. */
  static ModelLoadException load(Path path, OrtException e, String runtimeVersion) {
    String msg = String.valueOf(e.getMessage());
    Matcher opset = OPSET.matcher(msg);
    if (opset.find() && (msg.contains("under development") || msg.contains("not supported")
        || msg.contains("till opset"))) {
      Matcher supported = SUPPORTED.matcher(msg);
      String upTo = supported.find() ? "opset " + supported.group(1) : "an older opset";
      return new ModelLoadException(path, "the model needs opset " + opset.group(1) + ", but ONNX Runtime "
          + runtimeVersion + " supports up to " + upTo + "; expected a model exported for an opset it supports ("
          + e.getCode() + ": " + EngineErrors.oneLine(msg) + ")", e);
    }
    return new ModelLoadException(path, "ONNX Runtime " + runtimeVersion + " cannot load it as an ONNX model ("
        + e.getCode() + ": " + EngineErrors.oneLine(msg) + ")", e);
  }

  /**
   * The run error for model {@code model}: arguments ONNX Runtime rejects are invalid input, allocation and device
   * failures are transient, the rest permanent.
   */
  static DeduceException run(String model, OrtException e) {
    String msg = String.valueOf(e.getMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    String text = "ONNX Runtime failed to run model '" + model + "' (" + e.getCode() + "): " + EngineErrors.oneLine(msg);
    switch (e.getCode()) {
      case ORT_INVALID_ARGUMENT:
        return new InvalidInputException("model '" + model + "' rejected the inputs: " + EngineErrors.oneLine(msg)
            + "; expected inputs its graph accepts", e);
      case ORT_DEVICE_RESET:
      case ORT_EP_FAIL:
        return new TransientEngineException(text, e);
      default:
        if (lower.contains("failed to allocate") || lower.contains("out of memory")) {
          return new TransientEngineException(text, e);
        }
        return new EngineException(text, e);
    }
  }

}
