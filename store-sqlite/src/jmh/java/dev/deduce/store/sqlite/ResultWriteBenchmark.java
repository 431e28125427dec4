package dev.deduce.store.sqlite;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.TensorCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Acknowledged result writes per second: {@code Store.complete} in batches of 256 versus raw JDBC batch inserts of
 * the same rows into an identical table (same DDL and indexes, same WAL and synchronous settings, one transaction
 * per batch). The raw baseline binds blobs encoded once up front; the store encodes every record, as it must.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(time = 5)
@Measurement(time = 5)
@State(Scope.Thread)
public class ResultWriteBenchmark {

  static final int BATCH = 256;

  @Param({"1024"})
  int resultBytes;

  Path dir;
  Store store;
  Connection raw;
  PreparedStatement rawBegin;
  PreparedStatement rawInsert;
  PreparedStatement rawCommit;
  NamedTensors inputs;
  NamedTensors outputs;
  byte[] inputBlob;
  byte[] outputBlob;
  long next;
  Instant base = Instant.parse("2026-11-30T00:00:00Z");

  @Setup(Level.Iteration)
  public void open() throws IOException, SQLException {
    dir = Files.createTempDirectory("deduce-jmh-write");
    store = new SqliteStoreProvider().open(new StoreConfig(dir.resolve("store.db"), Map.of()));
    Path rawFile = dir.resolve("raw.db");
    raw = DriverManager.getConnection("jdbc:sqlite:" + rawFile);
    try (Statement s = raw.createStatement()) {
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("PRAGMA synchronous = NORMAL");
    }
    Schema.migrate(raw, rawFile);
    rawBegin = raw.prepareStatement("BEGIN IMMEDIATE");
    rawCommit = raw.prepareStatement("COMMIT");
    rawInsert = raw.prepareStatement("INSERT INTO deduce_requests (" + Rows.COLUMNS + ") "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    float[] out = new float[resultBytes / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = i * 0.25f;
    }
    inputs = NamedTensors.of("x", Tensor.ofFloats(new float[] {1f, 2f, 3f, 4f}, 1, 4));
    outputs = NamedTensors.of("y", Tensor.ofFloats(out, 1, out.length));
    inputBlob = TensorCodec.encode(inputs);
    outputBlob = TensorCodec.encode(outputs);
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException, SQLException {
    store.close();
    rawBegin.close();
    rawInsert.close();
    rawCommit.close();
    raw.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void storeComplete() {
    List<ResultRecord> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      long n = next++;
      Instant at = base.plusNanos(n * 1000);
      RequestRecord r = new RequestRecord("req-" + n, "bench", "1", inputs, at, at.plusSeconds(30), null);
      batch.add(ResultRecord.done(r, "1", outputs, at.plusNanos(500), 1));
    }
    store.complete(batch);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void rawJdbcBatchInsert() throws SQLException {
    rawBegin.execute();
    for (int i = 0; i < BATCH; i++) {
      long n = next++;
      long at = Rows.nanos(base.plusNanos(n * 1000), "submittedAt", "", dir);
      rawInsert.setString(1, "req-" + n);
      rawInsert.setString(2, "bench");
      rawInsert.setString(3, "1");
      rawInsert.setString(4, "1");
      rawInsert.setString(5, "DONE");
      rawInsert.setLong(6, at);
      rawInsert.setLong(7, at + 30_000_000_000L);
      rawInsert.setString(8, null);
      rawInsert.setBytes(9, inputBlob);
      rawInsert.setBytes(10, outputBlob);
      rawInsert.setString(11, null);
      rawInsert.setString(12, null);
      rawInsert.setLong(13, at + 500);
      rawInsert.setInt(14, 1);
      rawInsert.addBatch();
    }
    rawInsert.executeBatch();
    rawCommit.execute();
  }
}
