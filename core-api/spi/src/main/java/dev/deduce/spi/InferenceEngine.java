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

  /**
   * Loads the engine's native runtime ahead of its first model; hosts call it on a background thread as they start.
   *
   * <p>Failures here are not reported: the first {@link #load} reports them, naming the file.
   */
  default void prepare() {
  }
}
