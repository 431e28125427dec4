package dev.deduce.engine.djl;

import dev.deduce.api.DataType;
import dev.deduce.perf.engine.EngineContract;
import dev.deduce.perf.modelkit.ModelWriter;
import dev.deduce.spi.InferenceEngine;
import java.util.EnumSet;
import java.util.Set;

/** The DJL engine's block-model format, loaded from the class path, held to the engine contract. */
class DjlBlockContractTest extends EngineContract {

  private final DjlEngine engine = new DjlEngine();

  @Override
  protected InferenceEngine engine() {
    return engine;
  }

  @Override
  protected ModelWriter writer() {
    return new DjlBlockWriter();
  }

  @Override
  protected Set<DataType> dtypes() {
    return EnumSet.complementOf(EnumSet.of(DataType.STRING));
  }

  // a load/run/close cycle takes about 50 ms here (1,000 would cost a minute per format)
  @Override
  protected int loadCloseCycles() {
    return 200;
  }
}
