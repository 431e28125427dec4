package dev.deduce.engine.tf;

import dev.deduce.perf.engine.EngineContract;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.spi.InferenceEngine;

/** The TensorFlow engine, loaded from the class path, held to the engine contract. */
class TensorFlowEngineContractTest extends EngineContract {

  private final TensorFlowEngine engine = new TensorFlowEngine();

  @Override
  protected InferenceEngine engine() {
    return engine;
  }

  @Override
  protected ModelWriter writer() {
    return new SavedModelWriter();
  }

  // A SavedModel load parses the graph and restores a session: tens of milliseconds, so 1,000 cycles cost a minute.
  @Override
  protected int loadCloseCycles() {
    return 200;
  }
}
