package dev.deduce.engine.tf;

import dev.deduce.api.ModelLoadException;
import dev.deduce.spi.ModelSource;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.ConfigProto;

/** The per-model options of the TensorFlow engine, parsed and checked once at load. */
final class TfOptions {

  static final String TAGS = "tags";
  static final String SIGNATURE = "signature";
  static final String INTRA_OP_THREADS = "intra-op-threads";
  static final String INTER_OP_THREADS = "inter-op-threads";
  static final String DEVICE = "device";
  static final Set<String> KEYS = Set.of(TAGS, SIGNATURE, INTRA_OP_THREADS, INTER_OP_THREADS, DEVICE);
  static final String DEFAULT_TAG = "serve";
  static final String DEFAULT_SIGNATURE = "serving_default";

  private static final Logger LOG = LoggerFactory.getLogger(TfOptions.class);
  private static final AtomicBoolean CPU_FALLBACK_LOGGED = new AtomicBoolean();

  enum Device { AUTO, CPU, GPU }

  final List<String> tags;
  final String signature;
  final int intraOpThreads;
  final int interOpThreads;
  final Device device;
  private final Path path;

  private TfOptions(ModelSource source) {
    path = source.path();
    source.requireKnownOptions(KEYS);
    tags = Arrays.stream(source.option(TAGS, DEFAULT_TAG).split(",")).map(String::trim).filter(t -> !t.isEmpty())
        .distinct().sorted().toList();
    if (tags.isEmpty()) {
      throw new ModelLoadException(path, "option " + TAGS + " is '" + source.option(TAGS, "")
          + "'; expected one or more comma-separated tags, e.g. serve");
    }
    signature = source.option(SIGNATURE, DEFAULT_SIGNATURE).trim();
    if (signature.isEmpty()) {
      throw new ModelLoadException(path, "option " + SIGNATURE + " is blank; expected a signature key, e.g. "
          + DEFAULT_SIGNATURE);
    }
    // 0 keeps TensorFlow's own choice (one thread per core).
    intraOpThreads = (int) source.longOption(INTRA_OP_THREADS, 0, 0, 1024);
    interOpThreads = (int) source.longOption(INTER_OP_THREADS, 0, 0, 1024);
    device = Device.valueOf(source.choiceOption(DEVICE, "auto", List.of("auto", "cpu", "gpu")).toUpperCase(
        java.util.Locale.ROOT));
  }

  static TfOptions of(ModelSource source) {
    return new TfOptions(source);
  }

  /**
   * The session config for these settings on a machine with {@code gpus} GPUs TensorFlow can use.
   *
   * @throws ModelLoadException when the device is gpu and there is none
   */
  ConfigProto config(boolean gpuNatives, int gpus) {
    if (device == Device.GPU && gpus == 0) {
      throw new ModelLoadException(path, "option " + DEVICE + " is gpu, but " + (gpuNatives
          ? "TensorFlow's GPU natives found no GPU device"
          : "the TensorFlow natives on the class path are CPU-only") + "; expected the GPU natives"
          + " (tensorflow-core-native, classifier <platform>-gpu) and a GPU, or device auto or cpu");
    }
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads);
    if (device == Device.CPU || gpus == 0) {
      config.putDeviceCount("GPU", 0);
    }
    if (device == Device.AUTO && gpus == 0 && CPU_FALLBACK_LOGGED.compareAndSet(false, true)) {
      LOG.info("TensorFlow has no GPU here ({}); models with device=auto run on CPU",
          gpuNatives ? "GPU natives, no device" : "CPU-only natives");
    }
    return config.build();
  }
}
