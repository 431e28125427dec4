package dev.deduce.spi;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;

/** A model held in memory by an engine, ready to run. */
public interface LoadedModel extends AutoCloseable {

  /** The model's inputs and outputs. */
  ModelSignature signature();

  /**
   * Runs the model once on {@code inputs}, which the caller has validated against {@link #signature()}.
   *
   * @throws dev.deduce.api.TransientEngineException for failures a retry may fix
   * @throws dev.deduce.api.EngineException for failures it will not
   * @throws dev.deduce.api.InvalidInputException when the engine itself rejects the inputs
   */
  NamedTensors run(NamedTensors inputs);

  /** Frees native memory; the model cannot run afterwards. Idempotent. */
  @Override
  void close();
}
