package dev.deduce.engine.djl;

import ai.djl.Device;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The per-model options of the DJL engine, parsed and checked once at load: {@link ModelSource#options()} over the
 * optional {@value #FILE} beside the model file.
 */
final class DjlOptions {

  /** The file beside a model that may carry its options, so a model folder describes itself. */
  static final String FILE = "djl-model.properties";

  static final String INPUTS = "inputs";
  static final String OUTPUTS = "outputs";
  static final String BLOCK_FACTORY = "block-factory";
  static final String INTRA_OP_THREADS = "intra-op-threads";
  static final String INTER_OP_THREADS = "inter-op-threads";
  static final String DEVICE = "device";
  /** Keys starting with this go to the block factory untouched. */
  static final String BLOCK_PREFIX = "block.";
  static final Set<String> KEYS = Set.of(INPUTS, OUTPUTS, BLOCK_FACTORY, INTRA_OP_THREADS, INTER_OP_THREADS, DEVICE);

  enum DeviceChoice { AUTO, CPU, GPU }

  final ModelSignature signature;
  final String blockFactory;
  final int intraOpThreads;
  final int interOpThreads;
  final DeviceChoice device;
  final Map<String, String> all;
  private final Path path;

  private DjlOptions(Path path, ModelSource merged) {
    this.path = path;
    all = merged.options();
    for (String key : all.keySet()) {
      if (!KEYS.contains(key) && !key.startsWith(BLOCK_PREFIX)) {
        throw new ModelLoadException(path, "unknown option '" + key + "'; expected one of " + new TreeSet<>(KEYS)
            + " or a " + BLOCK_PREFIX + "* option for the block factory");
      }
    }
    intraOpThreads = (int) merged.longOption(INTRA_OP_THREADS, 0, 0, 1024);
    interOpThreads = (int) merged.longOption(INTER_OP_THREADS, 0, 0, 1024);
    String d = merged.option(DEVICE, "auto").trim().toUpperCase(Locale.ROOT);
    try {
      device = DeviceChoice.valueOf(d);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(path, "option " + DEVICE + " is '" + merged.option(DEVICE, "")
          + "'; expected auto, cpu or gpu", e);
    }
    blockFactory = merged.option(BLOCK_FACTORY, "").trim();
    signature = signature(merged.option(INPUTS, null), merged.option(OUTPUTS, null));
  }

  /** The options of {@code source} over those in the {@value #FILE} in {@code folder}, if it has one. */
  static DjlOptions of(ModelSource source, Path folder) {
    Map<String, String> merged = new HashMap<>(besideFile(source.path(), folder));
    merged.putAll(source.options());
    return new DjlOptions(source.path(), new ModelSource(source.name(), source.version(), source.path(),
        source.format(), merged));
  }

  /** The DJL device these options choose, given how many GPUs the engine sees. */
  Device device(int gpus) {
    switch (device) {
      case CPU:
        return Device.cpu();
      case GPU:
        if (gpus == 0) {
          throw new ModelLoadException(path, "option " + DEVICE + " is gpu, but this PyTorch sees no GPU (the CPU"
              + " natives are bundled); expected a CUDA build of PyTorch on the class path, or device auto or cpu");
        }
        return Device.gpu();
      default:
        return gpus > 0 ? Device.gpu() : Device.cpu();
    }
  }

  private ModelSignature signature(String inputs, String outputs) {
    if (inputs == null || outputs == null) {
      throw new ModelLoadException(path, "no signature: TorchScript and DJL block files do not carry one; expected"
          + " options " + INPUTS + " and " + OUTPUTS + " (e.g. inputs=x:FLOAT32[-1,16], outputs=probs:FLOAT32[-1,4])"
          + " in the model config or in " + FILE + " beside the model");
    }
    List<TensorSpec> in = specs(INPUTS, inputs);
    List<TensorSpec> out = specs(OUTPUTS, outputs);
    // batched when every tensor's dimension 0 is dynamic: only then may requests be concatenated
    boolean batched = true;
    for (List<TensorSpec> list : List.of(in, out)) {
      for (TensorSpec s : list) {
        batched &= s.rank() > 0 && s.shape()[0] == -1;
      }
    }
    try {
      return new ModelSignature(in, out, batched);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(path, "bad signature: " + e.getMessage(), e);
    }
  }

  private List<TensorSpec> specs(String key, String text) {
    try {
      return SpecSyntax.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(path, "option " + key + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, String> besideFile(Path model, Path folder) {
    Path file = folder.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new ModelLoadException(model, "cannot read " + file + " (" + e.getMessage() + "); expected a"
          + " properties file of model options", e);
    }
    Map<String, String> out = new HashMap<>();
    for (String key : p.stringPropertyNames()) {
      out.put(key, p.getProperty(key));
    }
    return out;
  }
}
