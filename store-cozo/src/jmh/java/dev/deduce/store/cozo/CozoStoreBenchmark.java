package dev.deduce.store.cozo;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Point read, single complete and batched complete (100 a call) on a store holding 2,000 results with 16-element
 * embeddings, on each runner, without ({@code hnsw=false}) and with the background HNSW index over them
 * ({@link CozoNearestBenchmark} queries it). Every complete is fsynced. {@code readCache} is the store option
 * {@code readCache.rows}: the point reads repeat the same 2,000 ids, so 4096 measures a read of a recently read row
 * and 0 a read that reaches Cozo.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CozoStoreBenchmark {

  static final int DIM = 16;
  static final int BATCH = 100;
  @Param({"false", "true"})
  boolean hnsw;
  @Param({"wasmtime", "chicory"})
  String runner;
  @Param({"4096", "0"})
  String readCache;
  Store store;
  Path dir;
  long next;
  final Random random = new Random(42);

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("cozo-jmh");
    Map<String, String> options = new HashMap<>(Map.of(CozoStoreOptions.RUNNER, runner,
        CozoStoreOptions.READ_CACHE_ROWS, readCache));
    if (hnsw) {
      options.put(CozoStoreOptions.EMBEDDING_OUTPUT, "emb");
      options.put(CozoStoreOptions.EMBEDDING_DIM, String.valueOf(DIM));
    }
    store = new CozoStoreProvider().open(new StoreConfig(dir, options));
    for (int b = 0; b < 20; b++) {
      store.complete(batch());
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    store.close();
  }

  @Benchmark
  public Object pointRead() {
    return store.get("r" + random.nextInt(2000));
  }

  @Benchmark
  public void singlePut() {
    store.complete(List.of(result(next++)));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void batchedPut() {
    store.complete(batch());
  }

  List<ResultRecord> batch() {
    List<ResultRecord> out = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      out.add(result(next++));
    }
    return out;
  }

  ResultRecord result(long i) {
    RequestRecord r = new RequestRecord("r" + i, "m", "1", NamedTensors.of("x", Tensor.ofFloats(vector(), DIM)),
        Instant.ofEpochSecond(1_700_000_000L + i), Instant.ofEpochSecond(1_800_000_000L), null);
    return ResultRecord.done(r, "1", NamedTensors.of("emb", Tensor.ofFloats(vector(), DIM)), Instant.now(), 1);
  }

  float[] vector() {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = random.nextFloat();
    }
    return v;
  }
}
