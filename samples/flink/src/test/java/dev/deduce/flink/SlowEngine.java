package dev.deduce.flink;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.util.Map;
import java.util.Set;

/**
 * A test engine: the reference engine's answers after a pause of {@code options { sleep-ms = N }} per run, so a test
 * can make the model the slowest step of a job. Found on the classpath through META-INF/services.
 */
public final class SlowEngine implements InferenceEngine {

  static final String ID = "slow-reference";

  private final ReferenceEngine reference = new ReferenceEngine();

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<String> formats() {
    return Set.of(ID);
  }

  @Override
  public boolean threadSafeModels() {
    return true;
  }

  @Override
  public LoadedModel load(ModelSource source) {
    source.requireFormat(formats());
    source.requireKnownOptions(Set.of("sleep-ms"));
    long sleep = source.longOption("sleep-ms", 0, 0, 60_000);
    LoadedModel model = reference.load(new ModelSource(source.name(), source.version(), source.path(),
        ReferenceEngine.FORMAT, Map.of()));
    return new LoadedModel() {
      @Override
      public ModelSignature signature() {
        return model.signature();
      }

      @Override
      public NamedTensors run(NamedTensors inputs) {
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return model.run(inputs);
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }
}
