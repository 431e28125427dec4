package dev.deduce.engine.x.archviolation;

import dev.deduce.api.DataType;
import dev.deduce.spi.ModelSource;
import java.nio.file.Path;

/** Keeps the SPI-only rule: an engine class using the embedding API, the SPI and its own package only. */
public class EngineUsingSpi {
  public Object allowed() {
    return ModelSource.of("m", "1", Path.of("m.onnx"), DataType.FLOAT32.name());
  }
}
