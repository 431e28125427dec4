package dev.deduce.store.cozo;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
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

/** HNSW query (k = 10) on the store {@link CozoStoreBenchmark} fills, once its background index caught up. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CozoNearestBenchmark {

  final CozoStoreBenchmark filled = new CozoStoreBenchmark();
  @Param({"wasmtime", "chicory"})
  String runner;

  @Setup(Level.Trial)
  public void open() throws IOException, InterruptedException {
    filled.hnsw = true;
    filled.runner = runner;
    filled.open();
    if (!((CozoStore) filled.store).awaitIndexed(600_000)) {
      throw new IllegalStateException("the HNSW index did not catch up within 10 minutes");
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    filled.close();
  }

  @Benchmark
  public Object hnswQuery() {
    return filled.store.vectorSearch().orElseThrow().nearest(filled.vector(), 10);
  }
}
