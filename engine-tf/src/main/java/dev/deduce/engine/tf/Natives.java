package dev.deduce.engine.tf;

import static org.tensorflow.internal.c_api.global.tensorflow.TFE_ContextListDevices;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_DeleteContext;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_DeleteContextOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_NewContext;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_NewContextOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteDeviceList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListCount;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListType;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;

import dev.deduce.api.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TFE_Context;
import org.tensorflow.internal.c_api.TFE_ContextOptions;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Status;

/**
 * TensorFlow's native side: where JavaCPP unpacks it (set before any TensorFlow class loads it), and what it can run
 * on. Process-wide, so these are system properties, not model options.
 */
final class Natives {

  /** System property: the folder JavaCPP unpacks TensorFlow's natives into (about 683 MB). */
  static final String CACHE_DIR = "deduce.tensorflow.cacheDir";
  /** JavaCPP's own property; when set before Deduce loads TensorFlow, it wins. */
  static final String JAVACPP_CACHE_DIR = "org.bytedeco.javacpp.cachedir";

  private static final Logger LOG = LoggerFactory.getLogger(Natives.class);
  private static final Object LOCK = new Object();
  private static Path cacheDir;
  private static String version;
  private static Boolean gpuNatives;
  private static Integer gpus;

  private Natives() {}

  /**
   * Points JavaCPP at a writable cache folder and loads TensorFlow; the first call in a process may unpack the
   * natives. Returns TensorFlow's version.
   *
   * @throws ModelLoadException naming {@code model} when the cache folder cannot be used
   */
  static String load(Path model) {
    synchronized (LOCK) {
      if (version != null) {
        return version;
      }
      Path dir = cacheDir(model);
      if (System.getenv("TF_CPP_MIN_LOG_LEVEL") == null) {
        // TensorFlow reads its log threshold from the environment only; nothing in TF Java sets it.
        LOG.info("TF_CPP_MIN_LOG_LEVEL is unset, so TensorFlow writes its own info lines to stderr; set"
            + " TF_CPP_MIN_LOG_LEVEL=2 in the JVM's environment to quiet them (0 shows everything)");
      }
      try {
        version = TensorFlow.version();
      } catch (LinkageError e) {
        throw new ModelLoadException(model, "TensorFlow's native library did not load from " + dir + " ("
            + e + "); expected tensorflow-core-native for " + Loader.getPlatform() + " on the class path", e);
      }
      LOG.debug("TensorFlow {} loaded, natives cached in {}", version, dir);
      return version;
    }
  }

  /** The folder JavaCPP caches natives in, made writable and set before TensorFlow loads. */
  static Path cacheDir(Path model) {
    synchronized (LOCK) {
      if (cacheDir != null) {
        return cacheDir;
      }
      String javacpp = System.getProperty(JAVACPP_CACHE_DIR);
      String ours = System.getProperty(CACHE_DIR);
      Path dir = javacpp != null ? Path.of(javacpp) : ours != null ? Path.of(ours) : defaultCacheDir();
      try {
        Files.createDirectories(dir);
      } catch (IOException | SecurityException e) {
        throw unwritable(model, dir, e.toString(), e);
      }
      if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
        throw unwritable(model, dir, "not a writable folder", null);
      }
      if (javacpp == null) {
        System.setProperty(JAVACPP_CACHE_DIR, dir.toString());
      }
      cacheDir = dir;
      return dir;
    }
  }

  /** Whether the class path holds TensorFlow's GPU natives for this platform. */
  static boolean gpuNatives() {
    synchronized (LOCK) {
      if (gpuNatives == null) {
        String folder = "org/tensorflow/internal/c_api/" + Loader.getPlatform() + "-gpu/";
        gpuNatives = Natives.class.getClassLoader().getResource(folder) != null;
      }
      return gpuNatives;
    }
  }

  /** How many GPU devices TensorFlow sees; 0 without GPU natives. Call after {@link #load}. */
  static int gpuDevices() {
    synchronized (LOCK) {
      if (gpus == null) {
        gpus = gpuNatives() ? countGpus() : 0;
      }
      return gpus;
    }
  }

  private static int countGpus() {
    TF_Status status = TF_NewStatus();
    TFE_ContextOptions options = TFE_NewContextOptions();
    try {
      TFE_Context context = TFE_NewContext(options, status);
      if (TF_GetCode(status) != TF_OK) {
        LOG.info("TensorFlow could not list its devices ({}); taking it that there is no GPU",
            TF_Message(status).getString());
        return 0;
      }
      try {
        TF_DeviceList list = TFE_ContextListDevices(context, status);
        int count = 0;
        for (int i = 0; i < TF_DeviceListCount(list); i++) {
          if ("GPU".equals(TF_DeviceListType(list, i, status).getString())) {
            count++;
          }
        }
        TF_DeleteDeviceList(list);
        return count;
      } finally {
        TFE_DeleteContext(context);
      }
    } finally {
      TFE_DeleteContextOptions(options);
      TF_DeleteStatus(status);
    }
  }

  private static Path defaultCacheDir() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("deduce").resolve("javacpp");
  }

  private static ModelLoadException unwritable(Path model, Path dir, String why, Exception cause) {
    return new ModelLoadException(model, "TensorFlow's natives are unpacked into " + dir + ", which cannot be used ("
        + why + "); expected a writable folder: set the system property " + CACHE_DIR + " (or " + JAVACPP_CACHE_DIR
        + ") to one before the first TensorFlow model loads", cause);
  }
}
