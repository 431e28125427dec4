package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * wasmtime installs its own SIGSEGV/SIGILL/SIGFPE handlers and chains to HotSpot's, which HotSpot needs for
 * safepoint polls, implicit null checks and GC. This keeps both busy at once: instances opened and closed, traps,
 * and a second thread making garbage, collecting and taking implicit null checks, in a few seconds.
 */
class WasmtimeSoakTest {

  @Test
  void openCloseCyclesWithTrapsUnderGcPressureKeepAnsweringCorrectly() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong npes = new AtomicLong();
    Thread pressure = new Thread(() -> {
      List<byte[]> keep = new ArrayList<>();
      Object nothing = null;
      while (!stop.get()) {
        for (int i = 0; i < 2_000; i++) {
          keep.add(new byte[1024]);
          try {
            nothing.hashCode();
          } catch (NullPointerException e) {
            npes.incrementAndGet();
          }
        }
        keep.clear();
        System.gc();
      }
    }, "gc-pressure");
    pressure.start();
    try {
      for (int cycle = 0; cycle < 60; cycle++) {
        try (CozoRunner r = new WasmtimeCozoRunner()) {
          r.run(":create t {k: Int => v: String}", "{}", false);
          r.run("?[k, v] <- $rows :put t {k => v}", "{\"rows\": [[" + cycle + ", \"c" + cycle + "\"]]}", false);
          assertThat(r.run("?[v] := *t{k: $k, v}", "{\"k\": " + cycle + "}", true)).contains("\"c" + cycle + "\"");
          if (cycle % 3 == 0) {
            assertThatThrownBy(() -> r.run("?[x] := x = rand_vec(-1)", "{}", true))
                .isInstanceOf(CozoPanicException.class);
          }
        }
      }
    } finally {
      stop.set(true);
      pressure.join();
    }
    assertThat(npes.get()).isPositive();
  }

  @Test
  void theNativeLibraryIsExtractedOnceIntoTheVersionedCacheFolderAndNotToTemp() throws IOException {
    long started = System.currentTimeMillis();
    new WasmtimeCozoRunner().close();
    Path lib = WasmtimeNative.load(CozoCache.folder());
    assertThat(lib).startsWith(CozoCache.folder().resolve("wasmtime-java-" + WasmtimeNative.VERSION))
        .hasFileName(WasmtimeNative.resourceName());
    assertThat(WasmtimeNative.load(CozoCache.folder())).isEqualTo(lib);
    new WasmtimeCozoRunner().close();
    // the binding's own loader names its temporary copies after the library; none may be new
    try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(tmp.filter(p -> p.getFileName().toString().contains("wasmtime_jni"))
          .filter(p -> p.toFile().lastModified() >= started - 1000)).isEmpty();
    }
    try (Stream<Path> code = Files.walk(CozoCache.folder().resolve("wasmtime-code"))) {
      assertThat(code.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")))
          .as("wasmtime's compiled-code cache").isNotEmpty();
    }
  }
}
