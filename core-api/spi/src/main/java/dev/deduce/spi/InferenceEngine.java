package dev.deduce.spi;

import dev.deduce.api.ModelLoadException;
import java.util.Set;

/** An inference engine: loads model files of the formats it knows into runnable {@link LoadedModel}s. */
public interface InferenceEngine {

  /** A short stable id such as {@code onnx}, {@code tensorflow} or {@code djl}. */
  String id();

  /** The format ids this engine loads, e.g. {@code onnx}. */
  Set<String> formats();

  /** Whether one {@link LoadedModel} may be run from several threads at once. */
  boolean threadSafeModels();

  /**
   * Loads a model.
   *
   * @throws ModelLoadException naming the file when it is missing, empty, corrupt or of an unsupported version
   */
  LoadedModel load(ModelSource source);
}
