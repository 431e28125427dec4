package dev.deduce.engine.tf;

import dev.deduce.api.ModelLoadException;
import dev.deduce.spi.EngineErrors;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.nio.file.Path;
import java.util.Set;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;

/**
 * Runs TensorFlow SavedModel folders on TensorFlow Java (engine id {@code tensorflow}, format {@code savedmodel}).
 *
 * <p>Model options: {@code tags} (comma-separated, default {@code serve}), {@code signature} (default
 * {@code serving_default}), {@code intra-op-threads}, {@code inter-op-threads} (0 = TensorFlow's choice), {@code device}
 * ({@code auto|cpu|gpu}); the element limit is the runtime's setting {@code max-elements}. System property
 * {@code deduce.tensorflow.cacheDir} moves the
 * folder TensorFlow's natives are unpacked into (default {@code ~/.cache/deduce/javacpp}).
 */
public final class TensorFlowEngine implements InferenceEngine {

  /** The engine id. */
  public static final String ID = "tensorflow";
  /** The format id. */
  public static final String FORMAT = "savedmodel";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<String> formats() {
    return Set.of(FORMAT);
  }

  @Override
  public boolean threadSafeModels() {
    return true;
  }

  @Override
  public LoadedModel load(ModelSource source) {
    Path path = source.path();
    source.requireFormat(formats());
    TfOptions options = TfOptions.of(source);
    SavedModelFolder folder = SavedModelFolder.read(path, options.tags, options.signature);
    String version = Natives.load(path);
    ConfigProto config = options.config(Natives.gpuNatives(), Natives.gpuDevices());
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.loader(path.toString()).withTags(options.tags.toArray(new String[0]))
          .withConfigProto(config).load();
    } catch (TensorFlowException e) {
      throw new ModelLoadException(path, "TensorFlow " + version + " cannot load it as a SavedModel with tags "
          + options.tags + " (" + e.getClass().getSimpleName() + ": " + EngineErrors.oneLine(String.valueOf(
          e.getMessage())) + "); expected a complete SavedModel folder", e);
    }
    return TfModel.open(source.name(), path, bundle, options.signature, folder.signature);
  }
}
