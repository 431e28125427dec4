package dev.deduce.perf.sla;

import static dev.deduce.config.internal.Checks.notNegative;
import static dev.deduce.config.internal.Checks.positive;
import static dev.deduce.config.internal.Checks.range;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import dev.deduce.config.internal.Binder;
import dev.deduce.config.SettingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/**
 * One model's service-level agreement: the load to apply, how to measure it, and the targets it must meet.
 *
 * <p>Read from a HOCON or JSON file (see the module README for every key) over {@code sla-reference.conf}, which holds
 * every default. Every bad key or value fails with an {@link IllegalArgumentException} naming the file, the key, the
 * value and what is allowed.
 *
 * @param name           the SLA's name; by default its file name without extension
 * @param model          the model to drive
 * @param version        the version to drive; empty for the serving default
 * @param concurrency    callers, each with one request outstanding (closed loop, like perf_analyzer's concurrency);
 *                       with {@code rate}, the most requests outstanding at once
 * @param rate           requests per second sent on a fixed schedule whatever the answers (open loop, like
 *                       perf_analyzer's request rate); empty for the closed loop
 * @param batch          rows (dimension 0) in each request
 * @param inputs         per input: its shape (for dynamic non-batch dimensions; dimension 0 is always {@code batch})
 *                       and the values to send (a range, a constant or a list of choices)
 * @param dims           sizes of named dimensions (as the model names them, e.g. {@code sequence = 8})
 * @param requests       a file of sample requests in the Open Inference Protocol's JSON shape, sent in turn instead
 *                       of generated inputs; relative to the SLA file
 * @param warmUp         load applied before measuring starts; nothing from it is reported
 * @param window         one measurement window
 * @param duration       the most time spent measuring, warm-up excluded; 0 in the file means window x max-windows
 * @param maxWindows     the most measurement windows
 * @param stability      when a measurement counts as stable
 * @param requestTimeout timeout of each request
 * @param targets        what the measurement must meet
 */
public record SlaSpec(String name, String model, Optional<String> version, int concurrency, Optional<Double> rate,
    int batch,
    Map<String, InputValues> inputs, Map<String, Long> dims, Optional<Path> requests, Duration warmUp, Duration window, Duration duration, int maxWindows,
    Stability stability, Duration requestTimeout, Targets targets) {

  /** Checks every range and that the duration holds at least one window. */
  public SlaSpec {
    if (model.isBlank()) {
      throw new SettingException("model", "\"\"", "a non-blank model name");
    }
    range("concurrency", concurrency, 1, 4096);
    rate.ifPresent(r -> range("rate", r, 0.001, 10_000_000.0));
    range("batch", batch, 1, 1 << 20);
    dims.forEach((dim, size) -> range("dims." + dim, size, 0, Integer.MAX_VALUE));
    notNegative("warm-up", warmUp);
    positive("window", window);
    range("max-windows", maxWindows, 1, 10_000);
    duration = duration.isZero() ? window.multipliedBy(maxWindows) : duration;
    if (duration.compareTo(window) < 0) {
      throw new SettingException("duration", Binder.text(duration), "at least one window (" + Binder.text(window)
          + ")");
    }
    positive("request-timeout", requestTimeout);
  }

  /**
   * {@code stability}.
   *
   * @param windows          consecutive windows that must agree for the measurement to be stable
   * @param tolerancePercent how far, in percent of their mean, throughput and p95 of those windows may spread
   * @param required         whether an unstable measurement fails the SLA
   */
  public record Stability(int windows, double tolerancePercent, boolean required) {
    /** Checks the ranges. */
    public Stability {
      range("windows", windows, 1, 100);
      range("tolerance-percent", tolerancePercent, 0.0, 1000.0);
    }
  }

  /**
   * {@code targets}; latency targets are optional.
   *
   * @param p50           target for the median latency
   * @param p95           target for the 95th percentile latency
   * @param p99           target for the 99th percentile latency
   * @param minThroughput inferences (rows) per second: requests per second times {@code batch}
   * @param maxErrorRate  highest fraction of requests that may fail, 0 to 1
   */
  public record Targets(Optional<Duration> p50, Optional<Duration> p95, Optional<Duration> p99,
      Optional<Double> minThroughput, double maxErrorRate) {
    /** Checks the ranges. */
    public Targets {
      p50.ifPresent(d -> positive("p50", d));
      p95.ifPresent(d -> positive("p95", d));
      p99.ifPresent(d -> positive("p99", d));
      minThroughput.ifPresent(t -> range("min-throughput", t, 0.0, Double.MAX_VALUE));
      range("max-error-rate", maxErrorRate, 0.0, 1.0);
    }
  }

  /**
   * Reads one SLA file; JSON is accepted as it is valid HOCON.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static SlaSpec parse(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("SLA file " + file + " does not exist or is not a file; expected a .conf or"
          + " .json file");
    }
    String fileName = file.getFileName().toString();
    ConfigSyntax syntax = fileName.endsWith(".json") ? ConfigSyntax.JSON : ConfigSyntax.CONF;
    Config config;
    try {
      config = ConfigFactory.parseFile(file.toFile(),
          ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(syntax));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("SLA file " + file + " cannot be parsed: " + e.getMessage()
          + "; expected HOCON or JSON", e);
    }
    if (!config.hasPath("model")) {
      throw new IllegalArgumentException("SLA file " + file + " has no 'model'; expected the name of the model"
          + " to drive, e.g. model = mlp-small");
    }
    int dot = fileName.lastIndexOf('.');
    if (!config.hasPath("name")) {
      config = config.withValue("name", ConfigValueFactory.fromAnyRef(dot > 0 ? fileName.substring(0, dot)
          : fileName, "the name of " + file));
    }
    config = InputValues.shapesAsObjects(config);
    if (config.hasPath("requests")) {
      Path requests = file.toAbsolutePath().getParent().resolve(config.getString("requests"));
      config = config.withValue("requests", ConfigValueFactory.fromAnyRef(requests.toString(),
          "requests of " + file));
    }
    Config reference = ConfigFactory.parseResources(SlaSpec.class, "sla-reference.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
    try {
      return Binder.bind(config.withFallback(reference), SlaSpec.class, "");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("SLA file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads {@code path} if it is a file, or every {@code .conf} and {@code .json} file directly in it, sorted by name.
   *
   * @throws IllegalArgumentException when the path is missing, holds no SLA file, or a file is bad
   */
  public static List<SlaSpec> load(Path path) {
    if (Files.isRegularFile(path)) {
      return List.of(parse(path));
    }
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("SLA path " + path + " does not exist; expected an SLA file or a folder of"
          + " them");
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(path)) {
      files = list.filter(p -> {
        String n = p.getFileName().toString();
        return Files.isRegularFile(p) && (n.endsWith(".conf") || n.endsWith(".json"));
      }).sorted(Comparator.comparing(Path::toString)).toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("SLA folder " + path + " cannot be listed: " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("SLA folder " + path + " holds no .conf or .json file; expected one SLA"
          + " file per model");
    }
    return files.stream().map(SlaSpec::parse).toList();
  }

  /** Shapes given for inputs, by input name, as arrays. */
  public Map<String, long[]> inputShapes() {
    Map<String, long[]> copy = new LinkedHashMap<>();
    inputs.forEach((k, v) -> {
      if (!v.shape().isEmpty()) {
        copy.put(k, v.shape().stream().mapToLong(Long::longValue).toArray());
      }
    });
    return copy;
  }

  /** {@code stability.windows}. */
  public int stableWindows() { return stability.windows(); }

  /** {@code stability.tolerance-percent}. */
  public double tolerancePercent() { return stability.tolerancePercent(); }

  /** {@code stability.required}. */
  public boolean stabilityRequired() { return stability.required(); }

  /** {@code targets.p50}. */
  public Optional<Duration> p50() { return targets.p50(); }

  /** {@code targets.p95}. */
  public Optional<Duration> p95() { return targets.p95(); }

  /** {@code targets.p99}. */
  public Optional<Duration> p99() { return targets.p99(); }

  /** {@code targets.min-throughput}. */
  public OptionalDouble minThroughput() {
    return targets.minThroughput().map(OptionalDouble::of).orElse(OptionalDouble.empty());
  }

  /** {@code targets.max-error-rate}. */
  public double maxErrorRate() { return targets.maxErrorRate(); }

  @Override
  public String toString() {
    return "SlaSpec{" + name + ": model=" + model + version.map(v -> ", version=" + v).orElse("")
        + ", concurrency=" + concurrency + rate.map(r -> ", rate=" + r).orElse("") + ", batch=" + batch + "}";
  }
}
