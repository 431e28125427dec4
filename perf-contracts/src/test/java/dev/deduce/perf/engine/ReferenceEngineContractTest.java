package dev.deduce.perf.engine;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.spi.InferenceEngine;

/** Proves the engine contract against the pure-Java reference engine. */
class ReferenceEngineContractTest extends EngineContract {

  private final ReferenceEngine engine = new ReferenceEngine();

  @Override
  protected InferenceEngine engine() {
    return engine;
  }

  @Override
  protected ModelWriter writer() {
    return new DgraphWriter();
  }
}
