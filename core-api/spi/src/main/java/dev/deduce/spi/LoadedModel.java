package dev.deduce.spi;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;

/** A model held in memory by an engine, ready to run. */
public interface LoadedModel extends AutoCloseable {

  /** The model's inputs and outputs. */
  ModelSignature signature();

  /**
   * Runs the model once on {@code inputs}, rejecting inputs that do not match {@link #signature()} (names, dtypes,
   * shapes, equal batch sizes) with an {@link dev.deduce.api.InvalidInputException}, as {@link GuardedModel} does.
   *
   * @throws dev.deduce.api.TransientEngineException for failures a retry may fix
   * @throws dev.deduce.api.EngineException for failures it will not
   * @throws dev.deduce.api.InvalidInputException when the engine itself rejects the inputs
   */
  NamedTensors run(NamedTensors inputs);

  /**
   * Runs {@code inputs} that the runtime has already validated against {@link #signature()} on admission, so a model
   * that validates in {@link #run} may skip it here. By default the same as {@link #run}.
   */
  default NamedTensors runAdmitted(NamedTensors inputs) {
    return run(inputs);
  }

  /** Frees native memory; the model cannot run afterwards. Idempotent. */
  @Override
  void close();
}
