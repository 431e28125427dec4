package dev.deduce.store.cozo;

import dev.deduce.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Opening a store that 20 SIGKILLed runs wrote 10,000 results into (500 a run, each completed): the open after the
 * last kill, which loads the snapshot and replays what that run wrote. Each measured open works on a fresh copy of
 * the crashed folder. Run single-shot: {@code -bm ss}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CozoOpenBenchmark {

  static final int ROUNDS = 20;
  static final int PER_ROUND = 500;
  @Param({"wasmtime", "chicory"})
  String runner;
  Path crashed;
  Path copy;
  Store store;

  @Setup(Level.Trial)
  public void crashLoop() throws Exception {
    crashed = Files.createTempDirectory("cozo-crashed");
    CrashLoop loop = new CrashLoop(crashed, runner, 1);
    for (int round = 0; round < ROUNDS; round++) {
      loop.round(PER_ROUND);
    }
    System.out.println("\ncrash loop: " + loop.done.size() + " results over " + ROUNDS + " kills; replayed at "
        + "each open " + loop.replayed);
  }

  @Setup(Level.Invocation)
  public void copy() throws IOException {
    copy = Files.createTempDirectory("cozo-open");
    try (Stream<Path> files = Files.list(crashed)) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  @Benchmark
  public Store openAfterCrashLoop() {
    store = CozoStoreTest.open(copy, runner);
    return store;
  }

  @TearDown(Level.Invocation)
  public void close() {
    store.close();
  }
}
