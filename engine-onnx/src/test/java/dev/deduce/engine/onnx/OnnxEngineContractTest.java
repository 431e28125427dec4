package dev.deduce.engine.onnx;

import dev.deduce.perf.engine.EngineContract;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.perf.onnx.OnnxWriter;
import dev.deduce.spi.InferenceEngine;

/** The ONNX engine, loaded from the class path, held to the engine contract. */
class OnnxEngineContractTest extends EngineContract {

  private final OnnxEngine engine = new OnnxEngine();

  @Override
  protected InferenceEngine engine() {
    return engine;
  }

  @Override
  protected ModelWriter writer() {
    return new OnnxWriter();
  }
}
