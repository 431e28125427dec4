package dev.deduce.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtEngine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one PyTorch runtime of this JVM: started offline on first use, in this class's loader only.
 *
 * <p>PyTorch's native libraries load once per process. A second class loader that tries again fails with "already
 * loaded in another classloader", or, with its own cache folder, crashes the JVM; so a JVM-wide system property
 * records which loader owns them, and every other loader is refused before it touches DJL.
 */
final class PyTorch {

  /** JVM-wide marker: the class loader that loaded PyTorch's natives. */
  static final String OWNER_PROPERTY = "dev.deduce.engine.djl.nativesOwner";

  private static final Logger LOG = LoggerFactory.getLogger(PyTorch.class);
  private static final String OWNER = owner(PyTorch.class.getClassLoader());
  private static final String NVIDIA_DRIVER = "/proc/driver/nvidia/version";
  private static final String[] NATIVE_MARKERS = {"libc10.so", "libtorch_cpu.so", "libdjl_torch.so"};

  private static volatile Engine engine;
  private static int intraOpThreads;
  private static int interOpThreads;

  private PyTorch() {}

  /**
   * The started engine; the first call applies {@code intraOp} and {@code interOp} threads (0 = PyTorch's choice).
   *
   * @throws IllegalStateException saying why PyTorch cannot start here, e.g. another class loader owns it
   */
  static synchronized Engine start(int intraOp, int interOp) {
    if (engine == null) {
      claimNatives();
      forceOffline();
      quietCudaProbeWithoutDriver();
      // DJL's PyTorch engine applies these as it starts; inter-op threads cannot change after that
      if (intraOp > 0) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
      }
      if (interOp > 0) {
        System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interOp));
      }
      Engine started = withOwnLoader(() -> Engine.getEngine(PtEngine.ENGINE_NAME));
      intraOpThreads = JniUtils.getNumThreads();
      interOpThreads = JniUtils.getNumInteropThreads();
      LOG.info("PyTorch {} started offline by DJL {} ({} intra-op, {} inter-op threads; natives from {})",
          started.getVersion(), Engine.getDjlVersion(), intraOpThreads, interOpThreads, Utils.getEngineCacheDir());
      engine = started;
    }
    return engine;
  }

  /**
   * DJL's CudaUtils warns "Failed to detect GPU count" (twice) at every start on a machine that has a CUDA runtime
   * (libcudart) but no NVIDIA driver, though no GPU can be used there and the engine runs on the CPU. DJL has no
   * setting for it; its probe's logging is the private flag CudaUtils clears for its own GPU-probe subprocess, so that
   * flag is cleared here, and only when no driver is present: with a driver, DJL's messages are worth reading.
   */
  private static void quietCudaProbeWithoutDriver() {
    if (!System.getProperty("os.name", "").startsWith("Linux") || Files.exists(Path.of(NVIDIA_DRIVER))) {
      return;
    }
    try {
      Field logging = Class.forName("ai.djl.util.cuda.CudaUtils", true, PyTorch.class.getClassLoader())
          .getDeclaredField("logging");
      logging.setAccessible(true);
      logging.setBoolean(null, false);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("could not quiet DJL's CUDA probe ({}); it may warn that it found no GPU", e.toString());
    }
  }

  /** PyTorch's intra-op threads, fixed process-wide when it started. */
  static int intraOpThreads() {
    return intraOpThreads;
  }

  /** PyTorch's inter-op threads, fixed process-wide when it started. */
  static int interOpThreads() {
    return interOpThreads;
  }

  /**
   * Runs {@code call} with this plugin's loader as the thread context loader: DJL finds engines, natives and block
   * factories through it, and a host may call from a thread whose context loader cannot see them.
   */
  static <T> T withOwnLoader(Supplier<T> call) {
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    ClassLoader own = PyTorch.class.getClassLoader();
    if (before == own) {
      return call.get();
    }
    thread.setContextClassLoader(own);
    try {
      return call.get();
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  private static void claimNatives() {
    String holder = (String) System.getProperties().putIfAbsent(OWNER_PROPERTY, OWNER);
    if (holder != null && !holder.equals(OWNER)) {
      throw new IllegalStateException("PyTorch's native libraries are already loaded in this JVM by another class"
          + " loader (" + holder + "; this engine's is " + OWNER + "), and they load once per process; expected one"
          + " engine-djl per JVM: load the plugin once and never reload it, and keep DJL off the host class path");
    }
    if (holder == null && !loadedHere()) {
      String mapped = mappedPyTorch();
      if (mapped != null) {
        System.getProperties().remove(OWNER_PROPERTY, OWNER);
        throw new IllegalStateException("PyTorch's native library " + mapped + " is already loaded in this JVM by"
            + " code outside engine-djl, and it loads once per process; expected DJL/PyTorch used only through"
            + " engine-djl");
      }
    }
  }

  // Code in this same loader (a host or test using DJL directly) may have started PyTorch already: that is safe.
  private static boolean loadedHere() {
    try {
      return LibUtils.getLibtorchPath() != null;
    } catch (NullPointerException e) {
      // DJL keeps the loaded library in a static field that stays null until this loader loads it
      return false;
    }
  }

  // On Linux the process's mappings show natives that some other loader, not using this marker, brought in.
  private static String mappedPyTorch() {
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return null;
    }
    try (Stream<String> lines = Files.lines(maps)) {
      return lines.map(String::trim).filter(l -> {
        for (String lib : NATIVE_MARKERS) {
          if (l.endsWith("/" + lib)) {
            return true;
          }
        }
        return false;
      }).map(l -> l.substring(l.indexOf('/'))).findFirst().orElse(null);
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot read {}: {}", maps, e.toString());
      return null;
    }
  }

  private static void forceOffline() {
    // DJL reads both before its Engine class initialises: offline stops downloads and the EC2 metadata probe
    // (169.254.169.254) that its usage tracking makes, the opt-out stops the tracking itself.
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("OPT_OUT_TRACKING", "true");
    String env = System.getenv("DJL_OFFLINE");
    if (!Utils.isOfflineMode()) {
      throw new IllegalStateException("the environment sets DJL_OFFLINE=" + env + ", which overrides offline mode"
          + " and lets DJL download at run time; expected DJL_OFFLINE unset or true");
    }
  }

  private static String owner(ClassLoader loader) {
    return (loader == null ? "bootstrap" : loader.getClass().getName()) + "@"
        + Integer.toHexString(System.identityHashCode(loader));
  }
}
