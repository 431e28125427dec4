package dev.deduce.samples.quickstart;

import dev.deduce.api.DeduceException;
import dev.deduce.api.ErrorKind;
import dev.deduce.plugin.Contributed;
import dev.deduce.host.DeduceHost;
import dev.deduce.plugin.PluginHost;
import dev.deduce.plugin.PluginInfo;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.MetricNames;
import dev.deduce.repository.ModelRepository;
import dev.deduce.repository.RepositoryProblem;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/** One quickstart run, from plugins to the stored records' queries. */
final class QuickstartRun {

  /** The run cannot start or finish; the message says why and what was expected. */
  static final class CannotRun extends Exception {
    private static final long serialVersionUID = 1L;

    CannotRun(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final long STORE_WAIT_NANOS = 120_000_000_000L;

  private final Options options;
  private final UnaryOperator<String> environment;
  private final PrintStream out;
  private final boolean terminal;
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final long startNanos = System.nanoTime();

  QuickstartRun(Options options, PrintStream out, boolean terminal, UnaryOperator<String> environment) {
    this.environment = environment;
    this.options = options;
    this.out = out;
    this.terminal = terminal;
  }

  /** Runs it all; true when every request succeeded with the oracle's answer and every result was stored. */
  boolean run() throws CannotRun, InterruptedException {
    // measured on the build machine: with telemetry on, ONNX Runtime 1.29 kills the JVM (SIGSEGV) as it starts
    if (!"1".equals(environment.apply("ORT_DISABLE_TELEMETRY"))) {
      throw new CannotRun("ORT_DISABLE_TELEMETRY is not set to 1; expected it in the environment, because ONNX"
          + " Runtime starts its telemetry otherwise (it writes under ~/.cache, and crashed this JVM where it was"
          + " measured). Run: ORT_DISABLE_TELEMETRY=1 java ... (the README's Maven command sets it)", null);
    }
    out.printf(Locale.ROOT, "Deduce quickstart: %,d requests from %d concurrent callers, %s on %s%n",
        options.requests(), options.concurrency(), options.durability(), options.store());
    Path modelFile = writeModel();
    if (!Files.isDirectory(options.plugins())) {
      throw new CannotRun("the plugins folder " + options.plugins().toAbsolutePath() + " does not exist; expected "
          + "the engine-onnx and store plugin zips in it (the README's quickstart command puts them in "
          + "samples/target/quickstart/plugins), or --plugins naming the folder that holds them", null);
    }
    long pluginsFrom = System.nanoTime();
    PluginHost plugins = startPlugins();
    double pluginSeconds = (System.nanoTime() - pluginsFrom) / 1e9;
    DeduceHost host;
    try {
      describePlugins(plugins);
      plugins.engine("onnx").orElseThrow(() -> missing(plugins, "engine 'onnx'", "engine-onnx"));
      plugins.store(options.store())
          .orElseThrow(() -> missing(plugins, "store '" + options.store() + "'", "store-" + options.store()));
      host = startHost(plugins);
    } catch (CannotRun | RuntimeException e) {
      plugins.close();
      throw e;
    }
    try (host) {
      DeduceRuntime runtime = host.runtime();
      Store store = host.store().orElseThrow();
      NativeQueries queries = NativeQueries.of(store);
      long recovered = runtime.recovering();
      long storedBefore = queries.stored(store);
      out.printf(Locale.ROOT, "store    %s at %s, opened in %.1f s: %,d requests stored by earlier runs, %,d PENDING"
          + " to recover%n", options.store(), location(), stageSeconds(host, "store"), storedBefore, recovered);
      ModelRepository repository = host.repository().orElseThrow();
      if (runtime.defaultVersion(QuickstartModel.NAME).isEmpty()) {
        throw new CannotRun("model '" + QuickstartModel.NAME + "' written to " + modelFile + " is not served: "
            + repository.problems().stream().map(RepositoryProblem::message).toList(), null);
      }
      out.printf(Locale.ROOT, "serving  %s version %s, models in %s%n", QuickstartModel.NAME,
          runtime.defaultVersion(QuickstartModel.NAME).get(), options.models());
      // the cold start: from the JVM's start to a host that answers, each host stage timed
      out.printf(Locale.ROOT, "ready    %.2f s after the JVM started, %.2f s after the host began (plugin host %.2f s,"
          + " then %s)%n", ManagementFactory.getRuntimeMXBean().getUptime() / 1e3,
          (System.nanoTime() - pluginsFrom) / 1e9, pluginSeconds, host.startup().stream()
              .filter(st -> st.took().toMillis() > 0)
              .map(st -> String.format(Locale.ROOT, "%s %.2f s", st.name(), st.took().toNanos() / 1e9))
              .collect(Collectors.joining(", ")));
      out.println();
      out.printf(Locale.ROOT, "Sending %,d requests...%n", options.requests());
      Load.Outcome outcome;
      try (Progress progress = new Progress(out, terminal, options.requests())) {
        outcome = new Load(runtime, options.requests(), options.concurrency(), progress).run();
      }
      boolean stored = awaitStored(store, queries, storedBefore + outcome.succeeded());
      out.println();
      if (outcome.probe() != null) {
        out.printf(Locale.ROOT, "first    answer %.2f s after the host began, %s%n",
            (outcome.probeAtNanos() - pluginsFrom) / 1e9, options.durability());
      }
      summarise(outcome);
      out.println();
      float[] probe = outcome.probe() == null ? null
          : outcome.probe().output(QuickstartModel.EMBEDDING).toFloatArray();
      queries.report(store, out, outcome.probe() == null ? null : outcome.probe().requestId(), probe);
      long storedAfter = queries.stored(store);
      long pendingAfter = queries.pending(store);
      out.println();
      out.printf(Locale.ROOT, "Store: %,d PENDING requests recovered from earlier runs, %,d requests stored in total"
          + " (%,d before this run, +%,d), %,d PENDING%n", recovered, storedAfter, storedBefore,
          storedAfter - storedBefore, pendingAfter);
      out.printf(Locale.ROOT, "Done in %.1f s.%n", (System.nanoTime() - startNanos) / 1e9);
      return stored && outcome.failed() == 0 && outcome.wrong() == 0;
    } catch (DeduceException | IllegalStateException | IllegalArgumentException e) {
      throw new CannotRun("the run failed: " + e.getMessage(), e);
    }
  }

  private PluginHost startPlugins() throws CannotRun {
    try {
      return PluginHost.builder().pluginsDir(options.plugins()).meterRegistry(registry).start();
    } catch (RuntimeException e) {
      throw new CannotRun("loading the plugins in " + options.plugins().toAbsolutePath() + " failed: "
          + e.getMessage(), e);
    }
  }

  /** Store, runtime (in the chosen durability) and the model repository over {@code plugins}, in that order, as one DeduceHost. */
  private DeduceHost startHost(PluginHost plugins) throws CannotRun {
    Map<String, String> storeOptions = options.store().equals(Options.COZO)
        ? Map.of("embedding.output", QuickstartModel.EMBEDDING,
            "embedding.dim", String.valueOf(QuickstartModel.EMBEDDING_DIM))
        : Map.of();
    try {
      Files.createDirectories(options.data());
    } catch (IOException e) {
      throw new CannotRun("creating the data folder " + options.data().toAbsolutePath() + " failed: " + e
          + "; expected a writable folder", e);
    }
    try {
      return DeduceHost.builder()
          .settings(RuntimeSettings.load(Map.of("deduce.durability", options.durability().name())))
          .durability(options.durability())
          .meterRegistry(registry)
          .plugins(plugins)
          .store(options.store(), location(), storeOptions)
          .modelsDir(options.models())
          .start();
    } catch (RuntimeException e) {
      throw new CannotRun("opening the " + options.store() + " store at " + location().toAbsolutePath()
          + " failed: " + e.getMessage(), e);
    }
  }

  private static double stageSeconds(DeduceHost host, String name) {
    return host.startup().stream().filter(st -> st.name().equals(name)).findFirst()
        .map(st -> st.took().toNanos() / 1e9).orElse(0.0);
  }

  private Path writeModel() throws CannotRun {
    try {
      Path file = QuickstartModel.write(options.models());
      out.printf(Locale.ROOT, "model    %s (ModelKit, 16 -> 32 relu -> 4 softmax) written as ONNX to %s%n",
          QuickstartModel.NAME, file);
      return file;
    } catch (IOException | RuntimeException e) {
      throw new CannotRun("writing the model into " + options.models().toAbsolutePath() + " failed: " + e
          + "; expected a writable models folder", e);
    }
  }

  private void describePlugins(PluginHost host) {
    for (PluginInfo p : host.plugins()) {
      List<String> gives = new ArrayList<>();
      p.engines().forEach(e -> gives.add("engine " + e));
      p.stores().forEach(s -> gives.add("store " + s));
      out.printf(Locale.ROOT, "plugin   %s %s from %s: %s%n", p.id(), p.version(), p.source().getFileName(),
          String.join(", ", gives));
    }
    for (Contributed<?> c : host.engines()) {
      if (c.pluginId().isEmpty()) {
        out.printf(Locale.ROOT, "classpath engine %s%n", c.id());
      }
    }
    for (Contributed<?> c : host.stores()) {
      if (c.pluginId().isEmpty()) {
        out.printf(Locale.ROOT, "classpath store %s%n", c.id());
      }
    }
    host.problems().forEach(p -> out.printf(Locale.ROOT, "plugin problem: %s: %s%n", p.source(), p.message()));
  }

  private CannotRun missing(PluginHost host, String what, String plugin) {
    return new CannotRun("no " + what + " in " + options.plugins().toAbsolutePath() + " or on the classpath; expected"
        + " the " + plugin + " plugin zip there (engines found: " + host.engines().stream().map(Contributed::id)
        .toList() + ", stores found: " + host.stores().stream().map(Contributed::id).toList() + ")", null);
  }

  private Path location() {
    return options.store().equals(Options.COZO) ? options.data().resolve("cozo")
        : options.data().resolve("quickstart.sqlite");
  }

  /**
   * Results are written behind the answers by the group-commit writer; the queries should see all of them: no
   * PENDING row (DURABLE), at least {@code atLeast} rows (RESULTS), nothing to wait for (NONE).
   */
  private boolean awaitStored(Store store, NativeQueries queries, long atLeast) throws InterruptedException {
    if (options.durability() == Durability.NONE) {
      out.println("durability NONE: nothing of this run is stored");
      return true;
    }
    long t0 = System.nanoTime();
    BooleanSupplier done = options.durability() == Durability.DURABLE ? () -> queries.pending(store) == 0
        : () -> queries.stored(store) >= atLeast;
    while (!done.getAsBoolean() && System.nanoTime() - t0 < STORE_WAIT_NANOS) {
      Thread.sleep(100);
    }
    if (!done.getAsBoolean()) {
      out.printf(Locale.ROOT, "%s results were still not stored after %d s%n", options.durability() == Durability
          .DURABLE ? String.format(Locale.ROOT, "%,d", queries.pending(store)) : "some",
          STORE_WAIT_NANOS / 1_000_000_000L);
      return false;
    }
    out.printf(Locale.ROOT, "every result stored %.2f s after the last answer%n", (System.nanoTime() - t0) / 1e9);
    return true;
  }

  private void summarise(Load.Outcome o) {
    double seconds = o.elapsedNanos() / 1e9;
    int sent = o.succeeded() + o.failed();
    out.println("Summary");
    StringBuilder failures = new StringBuilder();
    for (Map.Entry<ErrorKind, Integer> e : o.failures().entrySet()) {
      failures.append(failures.length() == 0 ? " (" : ", ").append(e.getKey()).append(' ').append(e.getValue());
    }
    if (failures.length() > 0) {
      failures.append(')');
    }
    out.printf(Locale.ROOT, "  requests    %,d in %.2f s: %,d succeeded, %,d failed%s%n", sent, seconds,
        o.succeeded(), o.failed(), failures);
    out.printf(Locale.ROOT, "  throughput  %,.0f requests/s%n", sent / seconds);
    if (o.succeeded() > 0) {
      Histogram l = o.latencyNanos();
      out.printf(Locale.ROOT, "  latency     p50 %s  p95 %s  p99 %s  max %s  (submit to answer, as callers saw it)%n",
          ms(percentile(l, 0.50)), ms(percentile(l, 0.95)), ms(percentile(l, 0.99)), ms(l.getMaxValue()));
    }
    double runs = 0;
    double rows = 0;
    double max = 0;
    for (DistributionSummary s : registry.find(MetricNames.BATCH_SIZE).summaries()) {
      runs += s.count();
      rows += s.totalAmount();
      max = Math.max(max, s.max());
    }
    out.printf(Locale.ROOT, "  batches     %,.0f engine runs, %.1f requests per run on average, largest %.0f"
        + " (%s)%n", runs, runs == 0 ? 0 : rows / runs, max, MetricNames.BATCH_SIZE);
    out.println("              requests by the size of the batch they ran in: " + batchShares(o.batchSizes()));
    double retries = registry.find(MetricNames.RETRIES).counters().stream().mapToDouble(Counter::count).sum();
    out.printf(Locale.ROOT, "  retries     %.0f engine runs retried (%s), %,d requests needed more than one run%n",
        retries, MetricNames.RETRIES, o.retried());
    out.printf(Locale.ROOT, "  failures    %,d%n", o.failed());
    out.printf(Locale.ROOT, "  answers     %,d checked against the pure-Java oracle: %s%n", o.succeeded(),
        o.wrong() == 0 ? "all within tolerance" : o.wrong() + " wrong, first: " + o.firstWrong());
  }

  /** Shares of requests by batch size, in power-of-two buckets: 1, 2-3, 4-7, 8-15, 16. */
  private static String batchShares(int[] sizes) {
    long total = 0;
    for (int n : sizes) {
      total += n;
    }
    if (total == 0) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    for (int lo = 1; lo < sizes.length; lo *= 2) {
      int hi = Math.min(lo * 2 - 1, sizes.length - 1);
      long n = 0;
      for (int s = lo; s <= hi; s++) {
        n += sizes[s];
      }
      if (n > 0) {
        parts.add((lo == hi ? String.valueOf(lo) : lo + "-" + hi) + ": "
            + String.format(Locale.ROOT, "%.0f%%", 100.0 * n / total));
      }
    }
    return String.join("  ", parts);
  }

  /** The nearest-rank percentile ({@code p} from 0 to 1) of the recorded values, within the histogram's precision. */
  static long percentile(Histogram h, double p) {
    return h.getValueAtPercentile(p * 100);
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }
}
