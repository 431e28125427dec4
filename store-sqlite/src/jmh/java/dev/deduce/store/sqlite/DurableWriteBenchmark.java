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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.sqlite.SQLiteConfig;

/**
 * The DURABLE write pattern, requests per second on one thread: {@code group} requests appended in one transaction,
 * then their {@code group} results in a second, as the group-commit writer does. {@code rawJdbc} is the ceiling:
 * plain sqlite-jdbc, the store's own table, indexes, pragmas and SQL ({@link SqliteStore#APPEND},
 * {@link SqliteStore#COMPLETE}), blobs encoded once up front. {@code store} makes the same two calls through
 * {@link Store}, encoding every record as it must. {@code oneRowCommit} is one insert in one transaction: under
 * {@code FULL}, about the latency of one WAL fsync, the bound of any caller that waits for its own write.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@State(Scope.Thread)
public class DurableWriteBenchmark {

  @Param({"FULL", "NORMAL"})
  String sync;

  @Param({"16", "64"})
  int group;

  Path dir;
  Store store;
  Connection raw;
  PreparedStatement begin;
  PreparedStatement commit;
  PreparedStatement append;
  PreparedStatement complete;
  NamedTensors inputs;
  NamedTensors outputs;
  byte[] inputBlob;
  byte[] outputBlob;
  long next;
  final Instant base = Instant.parse("2026-11-30T00:00:00Z");

  @Setup(Level.Iteration)
  public void open(BenchmarkParams params) throws IOException, SQLException {
    dir = Files.createTempDirectory("deduce-jmh-durable");
    store = new SqliteStoreProvider().open(new StoreConfig(dir.resolve("store.db"), Map.of("synchronous", sync)));
    Path rawFile = dir.resolve("raw.db");
    // the store's connection settings: the same busy timeout, WAL and synchronous level
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(5_000);
    raw = config.createConnection("jdbc:sqlite:" + rawFile);
    try (Statement s = raw.createStatement()) {
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("PRAGMA synchronous = " + sync);
    }
    Schema.migrate(raw, rawFile);
    begin = raw.prepareStatement("BEGIN IMMEDIATE");
    commit = raw.prepareStatement("COMMIT");
    append = raw.prepareStatement(SqliteStore.APPEND);
    complete = raw.prepareStatement(SqliteStore.COMPLETE);
    // mlp-small's shapes: 16 inputs, 4 outputs
    inputs = NamedTensors.of("x", Tensor.ofFloats(new float[16], 1, 16));
    outputs = NamedTensors.of("y", Tensor.ofFloats(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 1, 4));
    inputBlob = TensorCodec.encode(inputs);
    outputBlob = TensorCodec.encode(outputs);
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException, SQLException {
    store.close();
    for (PreparedStatement p : List.of(begin, commit, append, complete)) {
      p.close();
    }
    raw.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** One op is {@code group} requests in two transactions: requests per second = score x group. */
  @Benchmark
  public void rawJdbc() throws SQLException {
    long first = next;
    next += group;
    begin.execute();
    for (int i = 0; i < group; i++) {
      long n = first + i;
      long at = Rows.nanos(base.plusNanos(n * 1000), "submittedAt", "", dir);
      append.setString(1, "req-" + n);
      append.setString(2, "mlp-small");
      append.setString(3, "");
      append.setString(4, "");
      append.setLong(5, at);
      append.setLong(6, at + 30_000_000_000L);
      append.setString(7, null);
      append.setBytes(8, inputBlob);
      append.addBatch();
    }
    append.executeBatch();
    commit.execute();
    begin.execute();
    for (int i = 0; i < group; i++) {
      long n = first + i;
      long at = Rows.nanos(base.plusNanos(n * 1000), "submittedAt", "", dir);
      complete.setString(1, "req-" + n);
      complete.setString(2, "mlp-small");
      complete.setString(3, "");
      complete.setString(4, "1");
      complete.setString(5, "DONE");
      complete.setLong(6, at);
      complete.setLong(7, at + 30_000_000_000L);
      complete.setString(8, null);
      complete.setBytes(9, inputBlob);
      complete.setBytes(10, outputBlob);
      complete.setString(11, null);
      complete.setString(12, null);
      complete.setLong(13, at + 500);
      complete.setInt(14, 1);
      complete.addBatch();
    }
    complete.executeBatch();
    commit.execute();
  }

  /** The same two transactions through the store; requests per second = score x group. */
  @Benchmark
  public void store() {
    List<RequestRecord> requests = new ArrayList<>(group);
    for (int i = 0; i < group; i++) {
      long n = next++;
      Instant at = base.plusNanos(n * 1000);
      requests.add(new RequestRecord("req-" + n, "mlp-small", "", inputs, at, at.plusSeconds(30), null));
    }
    store.append(requests);
    List<ResultRecord> results = new ArrayList<>(group);
    for (RequestRecord r : requests) {
      results.add(ResultRecord.done(r, "1", outputs, r.submittedAt().plusNanos(500), 1));
    }
    store.complete(results);
  }

  /** One request in one transaction, microseconds each. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void oneRowCommit() throws SQLException {
    long n = next++;
    long at = Rows.nanos(base.plusNanos(n * 1000), "submittedAt", "", dir);
    begin.execute();
    append.setString(1, "one-" + n);
    append.setString(2, "mlp-small");
    append.setString(3, "");
    append.setString(4, "");
    append.setLong(5, at);
    append.setLong(6, at + 30_000_000_000L);
    append.setString(7, null);
    append.setBytes(8, inputBlob);
    append.executeUpdate();
    commit.execute();
  }
}
