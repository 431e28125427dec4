package dev.deduce.store.sqlite;

import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.MetricNames;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.StoreConfig;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The runtime's throughput in each durability mode on the SQLite store, side by side: closed-loop callers (16, 64
 * or 256 JMH threads) each calling {@code infer} on mlp-small (reference engine) with the bundled defaults but for
 * {@code resultWait}. At the end of each iteration it prints the mean rows per engine run and the store calls of
 * each kind with their mean time, so batch and group sizes can be compared across modes. Requests per second, summed
 * over the callers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 4)
@State(Scope.Benchmark)
public class DurabilityModesBenchmark {

  static final String MODEL = ModelKit.MLP_SMALL;

  @Param({"NONE", "RESULTS", "DURABLE"})
  Durability durability;

  @Param({"FULL", "NORMAL"})
  String sync;

  /** {@code store.group-commit-result-wait}: 0ms writes each request bare, then its result. */
  @Param({"1ms"})
  String resultWait;

  Path dir;
  SimpleMeterRegistry registry;
  DeduceRuntime runtime;
  NamedTensors row;

  @Setup(Level.Iteration)
  public void start() throws IOException {
    ReferenceModel kit = ModelKit.byName(MODEL);
    row = kit.inputs(1);
    dir = Files.createTempDirectory("deduce-jmh-modes");
    registry = new SimpleMeterRegistry();
    var store = new SqliteStoreProvider().open(new StoreConfig(dir.resolve("runtime.db"), Map.of("synchronous",
        sync)));
    System.setProperty("deduce.store.group-commit-result-wait", resultWait);
    runtime = DeduceRuntime.builder().settings(RuntimeSettings.load()).durability(durability).store(store)
        .meterRegistry(registry).build();
    runtime.deploy(MODEL, "1", ReferenceEngine.wrap(kit.graph()),
        ModelSettings.builder().queueCapacity(4096).build());
  }

  @TearDown(Level.Iteration)
  public void stop() throws IOException {
    DistributionSummary batch = registry.find(MetricNames.BATCH_SIZE).summary();
    Timer appends = registry.find(MetricNames.STORE_WRITE).tag("op", "append").timer();
    Timer whole = registry.find(MetricNames.STORE_WRITE).tag("op", "append_done").timer();
    Timer completes = registry.find(MetricNames.STORE_WRITE).tag("op", "complete").timer();
    double requests = registry.find(MetricNames.REQUESTS).counters().stream().mapToDouble(c -> c.count()).sum();
    System.out.printf(Locale.ROOT, "%n  [%s sync=%s result-wait=%s] %.0f requests, %.1f rows per engine run;"
        + " store calls: %s, %s, %s%n", durability, sync, resultWait, requests, batch == null ? 0 : batch.mean(), calls("append", appends),
        calls("append_done", whole), calls("complete", completes));
    runtime.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String calls(String op, Timer t) {
    return t == null || t.count() == 0 ? "no " + op : String.format(Locale.ROOT, "%d %s (%.2f ms)", t.count(), op,
        t.mean(TimeUnit.MILLISECONDS));
  }

  @Benchmark
  @Threads(16)
  public Object c16() {
    return runtime.infer(MODEL, row);
  }

  @Benchmark
  @Threads(64)
  public Object c64() {
    return runtime.infer(MODEL, row);
  }

  @Benchmark
  @Threads(256)
  public Object c256() {
    return runtime.infer(MODEL, row);
  }
}
