package dev.deduce.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.deduce.api.ModelLoadException;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code .onnx} models on ONNX Runtime (engine id {@code onnx}, format {@code onnx}).
 *
 * <p>Model options: {@code intra-op-threads}, {@code inter-op-threads} (0 = ONNX Runtime's choice), {@code optimization}
 * ({@code none|basic|extended|all}) and {@code execution-provider} ({@code auto|cpu|cuda}). The element limit per
 * request is the runtime's setting {@code max-elements}, not an engine option.
 */
public final class OnnxEngine implements InferenceEngine {

  /** The engine id. */
  public static final String ID = "onnx";
  /** The format id. */
  public static final String FORMAT = "onnx";

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
  public void prepare() {
    Environment.get();
  }

  @Override
  public LoadedModel load(ModelSource source) {
    Path path = source.path();
    source.requireFormat(formats());
    checkFile(path);
    OnnxOptions options = OnnxOptions.of(source);
    OrtEnvironment env = Environment.get();
    OrtSession session;
    try (SessionOptions sessionOptions = options.sessionOptions(OrtEnvironment.getAvailableProviders())) {
      // by path, so that ONNX Runtime finds external-data files beside the model
      session = env.createSession(path.toString(), sessionOptions);
    } catch (OrtException e) {
      throw Failures.load(path, e, env.getVersion());
    }
    return OnnxModel.open(source.name(), path, env, session);
  }

  private static void checkFile(Path path) {
    if (!Files.exists(path)) {
      throw new ModelLoadException(path, "file does not exist; expected an .onnx file");
    }
    if (Files.isDirectory(path)) {
      throw new ModelLoadException(path, "is a folder; expected an .onnx file");
    }
    try {
      if (Files.size(path) == 0) {
        throw new ModelLoadException(path, "file is empty; expected an ONNX model");
      }
    } catch (IOException e) {
      throw new ModelLoadException(path, "cannot read it (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The one ONNX Runtime environment of this class loader, made on first use. Unpacking and loading ONNX Runtime's
   * native library takes about 0.25 s, which {@link #prepare} moves off the first deploy. A failure is kept and thrown
   * again to every later caller: a failed static initializer would leave them only "could not initialize class".
   */
  static final class Environment {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxEngine.class);
    private static OrtEnvironment env;
    private static Throwable failure;

    private Environment() {}

    static synchronized OrtEnvironment get() {
      if (env == null && failure == null) {
        try {
          env = create();
        } catch (RuntimeException | Error e) {
          failure = e;
        }
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      return env;
    }

    private static OrtEnvironment create() {
      // Only the process environment stops ONNX Runtime writing under ~/.cache as the environment starts.
      if (!"1".equals(System.getenv("ORT_DISABLE_TELEMETRY"))) {
        LOG.warn("ORT_DISABLE_TELEMETRY is not 1: ONNX Runtime may write under ~/.cache as it starts;"
            + " set ORT_DISABLE_TELEMETRY=1 in the environment of the JVM");
      }
      OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "deduce");
      try {
        env.setTelemetry(false);
      } catch (OrtException e) {
        LOG.warn("could not switch ONNX Runtime telemetry off: {}", e.getMessage());
      }
      return env;
    }
  }
}
