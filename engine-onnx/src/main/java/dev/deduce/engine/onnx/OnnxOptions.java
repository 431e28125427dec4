package dev.deduce.engine.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.deduce.api.ModelLoadException;
import dev.deduce.spi.ModelSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The per-model options of the ONNX engine, parsed and checked once at load. */
final class OnnxOptions {

  static final String INTRA_OP_THREADS = "intra-op-threads";
  static final String INTER_OP_THREADS = "inter-op-threads";
  static final String OPTIMIZATION = "optimization";
  static final String EXECUTION_PROVIDER = "execution-provider";
  static final String LOG_SEVERITY = "log-severity";
  static final Set<String> KEYS = Set.of(INTRA_OP_THREADS, INTER_OP_THREADS, OPTIMIZATION, EXECUTION_PROVIDER,
      LOG_SEVERITY);

  private static final Logger LOG = LoggerFactory.getLogger(OnnxOptions.class);
  private static final AtomicBoolean CPU_FALLBACK_LOGGED = new AtomicBoolean();
  private static final Map<String, OptLevel> LEVELS = Map.of("none", OptLevel.NO_OPT, "basic", OptLevel.BASIC_OPT,
      "extended", OptLevel.EXTENDED_OPT, "all", OptLevel.ALL_OPT);
  private static final Map<String, OrtLoggingLevel> SEVERITIES = Map.of("verbose",
      OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE, "info", OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO, "warning",
      OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "error", OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "fatal",
      OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);

  enum Provider { AUTO, CPU, CUDA }

  final int intraOpThreads;
  final int interOpThreads;
  final OptLevel optimization;
  final Provider provider;
  final OrtLoggingLevel logSeverity;
  private final Path path;

  private OnnxOptions(ModelSource source) {
    path = source.path();
    source.requireKnownOptions(KEYS);
    // 0 keeps ONNX Runtime's own choice (one thread per physical core).
    intraOpThreads = (int) source.longOption(INTRA_OP_THREADS, 0, 0, 1024);
    interOpThreads = (int) source.longOption(INTER_OP_THREADS, 0, 0, 1024);
    optimization = LEVELS.get(source.choiceOption(OPTIMIZATION, "all", List.of("none", "basic", "extended", "all")));
    provider = Provider.valueOf(source.choiceOption(EXECUTION_PROVIDER, "auto", List.of("auto", "cpu", "cuda"))
        .toUpperCase(Locale.ROOT));
    // ONNX Runtime writes its own log lines to stderr, outside SLF4J; a failed run's message also reaches the caller
    // in the exception, so a run's ERROR line repeats it. "warning" is ONNX Runtime's own default.
    logSeverity = SEVERITIES.get(source.choiceOption(LOG_SEVERITY, "warning", List.of("verbose", "info", "warning",
        "error", "fatal")));
  }

  static OnnxOptions of(ModelSource source) {
    return new OnnxOptions(source);
  }

  private void addCuda(SessionOptions options) throws OrtException {
    try {
      options.addCUDA();
    } catch (OrtException e) {
      if (provider == Provider.CUDA) {
        throw e;
      }
      // auto: a CUDA build without a usable GPU still serves on CPU
      LOG.info("CUDA provider is present but unusable ({}); model {} runs on CPU", e.getMessage(), path);
    }
  }

  /** Session options for these settings; the caller closes them once the session exists. */
  SessionOptions sessionOptions(Set<OrtProvider> available) {
    boolean cuda = available.contains(OrtProvider.CUDA);
    if (provider == Provider.CUDA && !cuda) {
      throw new ModelLoadException(path, "option " + EXECUTION_PROVIDER + " is cuda, but this ONNX Runtime has no"
          + " CUDA provider (it has " + available + "); expected the GPU build of ONNX Runtime on the class path,"
          + " or execution-provider auto or cpu");
    }
    if (provider == Provider.AUTO && !cuda && CPU_FALLBACK_LOGGED.compareAndSet(false, true)) {
      LOG.info("ONNX Runtime has no CUDA provider here (it has {}); models with execution-provider=auto run on CPU",
          available);
    }
    SessionOptions options = new SessionOptions();
    try {
      options.setOptimizationLevel(optimization);
      options.setSessionLogLevel(logSeverity);
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      if (interOpThreads > 0) {
        options.setInterOpNumThreads(interOpThreads);
      }
      if (provider != Provider.CPU && cuda) {
        addCuda(options);
      }
      return options;
    } catch (OrtException e) {
      options.close();
      throw new ModelLoadException(path, "ONNX Runtime refused the session options (" + e.getMessage() + ")", e);
    }
  }
}
