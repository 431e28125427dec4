package dev.deduce.store.sqlite;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoredRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** {@code Store.get} of a random stored id among 100,000 completed requests with 1 KB results, decoded. */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(time = 5)
@Measurement(time = 5)
@State(Scope.Benchmark)
public class PointLookupBenchmark {

  static final int ROWS = 100_000;

  Path dir;
  Store store;
  SplittableRandom random = new SplittableRandom(42);

  @Setup(Level.Trial)
  public void fill() throws IOException {
    dir = Files.createTempDirectory("deduce-jmh-lookup");
    store = new SqliteStoreProvider().open(new StoreConfig(dir.resolve("store.db"), Map.of()));
    NamedTensors inputs = NamedTensors.of("x", Tensor.ofFloats(new float[] {1f, 2f, 3f, 4f}, 1, 4));
    NamedTensors outputs = NamedTensors.of("y", Tensor.ofFloats(new float[256], 1, 256));
    Instant base = Instant.parse("2026-11-30T00:00:00Z");
    for (int b = 0; b < ROWS; b += 1000) {
      List<ResultRecord> batch = new ArrayList<>(1000);
      for (int i = b; i < b + 1000; i++) {
        Instant at = base.plusMillis(i);
        RequestRecord r = new RequestRecord("req-" + i, "bench", "1", inputs, at, at.plusSeconds(30), null);
        batch.add(ResultRecord.done(r, "1", outputs, at, 1));
      }
      store.complete(batch);
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public Optional<StoredRequest> getById() {
    return store.get("req-" + random.nextInt(ROWS));
  }
}
