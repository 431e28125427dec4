package dev.deduce.store.cozo;

import io.github.kawamuray.wasmtime.NativeLibraryLoader;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads wasmtime-java's JNI library from a versioned folder under the Cozo cache instead of letting the binding do
 * it. Left alone, {@link NativeLibraryLoader} copies the 18 MB library to a new temporary file on every JVM start and
 * never deletes it. Here it is extracted once (to a temporary name in the same folder, then renamed, so concurrent
 * JVMs never see half a file), loaded with {@link System#load}, and the binding is told it is loaded.
 *
 * <p>{@link System#load} ties the library to this class's loader, which is the one that loads the binding's
 * classes: both come from the same plugin (or the same classpath).
 */
final class WasmtimeNative {

  /** The binding release the bundled natives belong to; it names them. */
  static final String VERSION = "0.19.0";

  private static Path loaded;
  private static RuntimeException failure;

  private WasmtimeNative() {}

  /** Loads the library once per JVM; the path it was loaded from. Fails with the first failure's reason again. */
  static synchronized Path load(Path cache) {
    if (loaded != null) {
      return loaded;
    }
    if (failure != null) {
      throw failure;
    }
    try {
      String resource = resourceName();
      Path folder = cache.resolve("wasmtime-java-" + VERSION);
      Path file = folder.resolve(resource);
      URL url = NativeLibraryLoader.class.getResource("/" + resource);
      if (url == null) {
        throw new IllegalStateException("the wasmtime-java jar has no " + resource + "; expected the "
            + VERSION + " jar, which carries it");
      }
      extract(url, folder, file);
      System.load(file.toString());
      markLoaded();
      loaded = file;
      return file;
    } catch (IOException e) {
      failure = new IllegalStateException("cannot extract wasmtime's native library under " + cache + ": "
          + e.getMessage() + "; expected a writable folder (system property " + CozoCache.PROPERTY + ")", e);
      throw failure;
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      failure = e instanceof RuntimeException r ? r
          : new IllegalStateException("cannot load wasmtime's native library: " + e.getMessage(), e);
      throw failure;
    }
  }

  // the names the binding gives its bundled libraries: lib + wasmtime_jni_<version>_<os>_<arch> + extension
  static String resourceName() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String cpu = switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> throw new IllegalStateException("wasmtime-java " + VERSION + " has no native library for CPU "
          + arch + "; expected x86_64 or aarch64");
    };
    if (os.contains("linux")) {
      return "libwasmtime_jni_" + VERSION + "_linux_" + cpu + ".so";
    }
    if (os.contains("mac") || os.contains("darwin")) {
      return "libwasmtime_jni_" + VERSION + "_macos_" + cpu + ".dylib";
    }
    if (os.contains("windows") && cpu.equals("x86_64")) {
      return "wasmtime_jni_" + VERSION + "_windows_x86_64.dll";
    }
    throw new IllegalStateException("wasmtime-java " + VERSION + " has no native library for " + os + " on "
        + arch + "; expected Linux or macOS on x86_64 or aarch64, or Windows on x86_64");
  }

  // a file of the right size under the versioned name was renamed into place whole: reuse it
  private static void extract(URL url, Path folder, Path file) throws IOException {
    URLConnection c = url.openConnection();
    long size = c.getContentLengthLong();
    if (Files.isRegularFile(file) && (size < 0 || Files.size(file) == size)) {
      c.getInputStream().close();
      return;
    }
    Files.createDirectories(folder);
    Path tmp = Files.createTempFile(folder, file.getFileName().toString(), ".part");
    try {
      try (InputStream in = c.getInputStream()) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // the binding's own loader would extract a second copy to /tmp unless it believes the library is loaded; it has
  // no switch for that other than an environment variable, which a library cannot set
  private static void markLoaded() {
    try {
      Field f = NativeLibraryLoader.class.getDeclaredField("loaded");
      f.setAccessible(true);
      f.setBoolean(null, true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("wasmtime-java " + VERSION + " changed its NativeLibraryLoader (" + e
          + "); expected the " + VERSION + " binding", e);
    }
  }
}
