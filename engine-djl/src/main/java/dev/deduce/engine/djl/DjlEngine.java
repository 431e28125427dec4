package dev.deduce.engine.djl;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.pytorch.engine.PtEngine;
import ai.djl.util.ClassLoaderUtils;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs TorchScript ({@code .pt}, format {@code torchscript}) and DJL block models ({@code .params}, format
 * {@code djl}) on DJL's PyTorch engine (engine id {@code djl}), offline: the natives come from the bundled jars.
 *
 * <p>Model options: {@code inputs} and {@code outputs} (the signature, e.g. {@code x:FLOAT32[-1,16]}, a dynamic
 * dimension may be named: {@code ids:INT64[batch,sequence]}), {@code
 * blockFactory} (block models), {@code intra-op-threads}, {@code inter-op-threads}, {@code device} ({@code
 * auto|cpu|gpu}) and {@code block.*} for the block factory. The element limit per request is the runtime's
 * setting {@code max-elements}, not an engine option.
 */
public final class DjlEngine implements InferenceEngine {

  /** The engine id. */
  public static final String ID = "djl";
  /** The format id of TorchScript files. */
  public static final String TORCHSCRIPT = "torchscript";
  /** The format id of DJL block models: a {@code .params} file plus a block factory class. */
  public static final String BLOCK = "djl";

  private static final byte[] PARAMS_MAGIC = "DJL@".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<String> formats() {
    return Set.of(TORCHSCRIPT, BLOCK);
  }

  @Override
  public boolean threadSafeModels() {
    return true;
  }

  @Override
  public LoadedModel load(ModelSource source) {
    Path path = source.path();
    source.requireFormat(formats());
    boolean script = TORCHSCRIPT.equals(source.format());
    Path file = modelFile(path, script ? ".pt" : ".params");
    if (script) {
      checkMagic(file, ZIP_MAGIC, "is not a TorchScript file (TorchScript is a zip archive, and this does not start"
          + " with PK); expected a .pt file saved with torch.jit.save");
    } else {
      checkMagic(file, PARAMS_MAGIC, "is not a DJL parameter file (it does not start with DJL@); expected a .params"
          + " file saved by Model.save");
    }
    Path folder = file.toAbsolutePath().getParent();
    DjlOptions options = DjlOptions.of(source, folder);
    for (TensorSpec s : concat(options.signature.inputs(), options.signature.outputs())) {
      if (NdTensors.djl(s.dtype()).isEmpty()) {
        throw new ModelLoadException(path, "'" + s + "' has dtype " + s.dtype() + ", which DJL's PyTorch engine"
            + " does not carry; expected FLOAT32, FLOAT64, INT32, INT64, UINT8 or BOOL");
      }
    }
    Engine engine = start(path, options);
    Model model = PyTorch.withOwnLoader(() -> Model.newInstance(source.name(), options.device(engine.getGpuCount()),
        PtEngine.ENGINE_NAME));
    try {
      if (script) {
        loadScript(model, file);
      } else {
        loadBlock(model, file, folder, options);
      }
      return new DjlModel(source.name(), model, options.signature);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static Engine start(Path path, DjlOptions options) {
    Engine engine;
    try {
      engine = PyTorch.start(options.intraOpThreads, options.interOpThreads);
    } catch (IllegalStateException | ai.djl.engine.EngineException e) {
      throw new ModelLoadException(path, "PyTorch cannot start in this JVM: " + Failures.describe(e), e);
    }
    // PyTorch's thread pools are process-wide: the first model loaded sets them for every model
    if (options.intraOpThreads > 0 && options.intraOpThreads != PyTorch.intraOpThreads()) {
      throw threads(path, DjlOptions.INTRA_OP_THREADS, options.intraOpThreads, PyTorch.intraOpThreads());
    }
    if (options.interOpThreads > 0 && options.interOpThreads != PyTorch.interOpThreads()) {
      throw threads(path, DjlOptions.INTER_OP_THREADS, options.interOpThreads, PyTorch.interOpThreads());
    }
    return engine;
  }

  private static ModelLoadException threads(Path path, String key, int asked, int running) {
    return new ModelLoadException(path, "option " + key + " is " + asked + ", but PyTorch in this JVM already runs"
        + " with " + running + " (its thread pools are process-wide, set by the first model loaded); expected "
        + running + " or 0");
  }

  private static void loadScript(Model model, Path file) {
    try {
      // mapLocation: weights go to the model's device whatever device they were saved from
      PyTorch.withOwnLoader(() -> {
        try {
          model.load(file, null, Map.of("mapLocation", "true"));
          return null;
        } catch (IOException | MalformedModelException e) {
          throw new ModelLoadException(file, "cannot read it as TorchScript (" + Failures.describe(e) + ")", e);
        }
      });
    } catch (ModelLoadException e) {
      throw e;
    } catch (RuntimeException e) {
      throw Failures.load(file, "a TorchScript module; expected a file saved with torch.jit.save", e);
    }
  }

  private static void loadBlock(Model model, Path file, Path folder, DjlOptions options) {
    if (options.blockFactory.isEmpty()) {
      throw new ModelLoadException(file, "no option " + DjlOptions.BLOCK_FACTORY + "; a DJL block model needs the"
          + " class name of an ai.djl.nn.BlockFactory that builds its block");
    }
    try {
      PyTorch.withOwnLoader(() -> {
        BlockFactory factory = blockFactory(folder, options.blockFactory);
        if (factory == null) {
          throw new ModelLoadException(file, "block factory " + options.blockFactory + " was not found or could not"
              + " be made; expected a public ai.djl.nn.BlockFactory with a no-argument constructor, in the plugin,"
              + " in the model folder's classes/ or in a jar beside the model");
        }
        Block block;
        try {
          block = factory.newBlock(model, folder, new HashMap<>(options.all));
        } catch (IOException | RuntimeException e) {
          throw new ModelLoadException(file, "block factory " + options.blockFactory + " failed ("
              + Failures.describe(e) + ")", e);
        }
        model.setBlock(block);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
          model.load(in);
        } catch (IOException | MalformedModelException e) {
          throw new ModelLoadException(file, "cannot read its parameters into the block of "
              + options.blockFactory + " (" + Failures.describe(e) + "); expected a file saved by Model.save"
              + " from the same block", e);
        }
        if (!block.isInitialized()) {
          throw new ModelLoadException(file, "left parameters of the block of " + options.blockFactory + " unset;"
              + " expected a file saved by Model.save from the same block");
        }
        return null;
      });
    } catch (ModelLoadException e) {
      throw e;
    } catch (RuntimeException e) {
      throw Failures.load(file, "DJL block parameters", e);
    }
  }

  // The plugin's own classes first: DJL's lookup makes a class loader over the model folder on every call.
  private static BlockFactory blockFactory(Path folder, String className) {
    try {
      Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      if (BlockFactory.class.isAssignableFrom(type)) {
        return (BlockFactory) type.getConstructor().newInstance();
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      // not visible to the plugin: DJL's own convention, classes/ or a jar in the model folder, may have it
    }
    return ClassLoaderUtils.findImplementation(folder, BlockFactory.class, className);
  }

  private static void checkMagic(Path file, byte[] magic, String problem) {
    byte[] head = new byte[magic.length];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new ModelLoadException(file, "cannot read it (" + e.getMessage() + ")", e);
    }
    if (read < head.length || !Arrays.equals(head, magic)) {
      throw new ModelLoadException(file, problem);
    }
  }

  // A model is a file, or a folder holding exactly one file of the format.
  private static Path modelFile(Path path, String extension) {
    if (Files.isDirectory(path)) {
      List<Path> found;
      try (Stream<Path> files = Files.list(path)) {
        found = files.filter(p -> p.getFileName().toString().endsWith(extension) && Files.isRegularFile(p))
            .sorted().toList();
      } catch (IOException e) {
        throw new ModelLoadException(path, "cannot list the folder (" + e.getMessage() + ")", e);
      }
      if (found.size() != 1) {
        throw new ModelLoadException(path, "is a folder with " + found.size() + " " + extension + " files "
            + found.stream().map(p -> p.getFileName().toString()).toList() + "; expected exactly one, or the"
            + " path of the file itself");
      }
      return found.get(0);
    }
    if (!Files.exists(path)) {
      throw new ModelLoadException(path, "file does not exist; expected a " + extension + " file");
    }
    try {
      if (Files.size(path) == 0) {
        throw new ModelLoadException(path, "file is empty; expected a " + extension + " file");
      }
    } catch (IOException e) {
      throw new ModelLoadException(path, "cannot read it (" + e.getMessage() + ")", e);
    }
    return path;
  }

  private static List<TensorSpec> concat(List<TensorSpec> a, List<TensorSpec> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }
}
