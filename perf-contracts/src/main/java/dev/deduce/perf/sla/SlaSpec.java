package dev.deduce.perf.sla;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One model's service-level agreement: the load to apply, how to measure it, and the targets it must meet.
 *
 * <p>Read from a HOCON or JSON file (see the module README for every key); immutable. Every bad key or value fails
 * with an {@link IllegalArgumentException} naming the file, the key, the value and what is allowed.
 */
public final class SlaSpec {

  private static final Set<String> KEYS = Set.of("model", "version", "concurrency", "batch", "inputs", "warm-up",
      "window", "duration", "max-windows", "stability", "request-timeout", "targets");
  private static final Set<String> STABILITY_KEYS = Set.of("windows", "tolerance-percent", "required");
  private static final Set<String> TARGET_KEYS = Set.of("p50", "p95", "p99", "min-throughput", "max-error-rate");

  private final String name;
  private final String model;
  private final String version;
  private final int concurrency;
  private final int batch;
  private final Map<String, long[]> inputShapes;
  private final Duration warmUp;
  private final Duration window;
  private final Duration duration;
  private final int maxWindows;
  private final int stableWindows;
  private final double tolerancePercent;
  private final boolean stabilityRequired;
  private final Duration requestTimeout;
  private final Duration p50;
  private final Duration p95;
  private final Duration p99;
  private final Double minThroughput;
  private final double maxErrorRate;

  private SlaSpec(String name, Reader r) {
    this.name = name;
    this.model = r.string("model");
    this.version = r.has("version") ? r.string("version") : null;
    this.concurrency = r.integer("concurrency", 1, 1, 4096);
    this.batch = r.integer("batch", 1, 1, 1 << 20);
    this.inputShapes = r.shapes("inputs");
    this.warmUp = r.duration("warm-up", Duration.ofSeconds(2), true);
    this.window = r.duration("window", Duration.ofSeconds(2), false);
    this.maxWindows = r.integer("max-windows", 10, 1, 10_000);
    this.duration = r.duration("duration", window.multipliedBy(maxWindows), false);
    this.stableWindows = r.integer("stability.windows", 3, 1, 100);
    this.tolerancePercent = r.number("stability.tolerance-percent", 10.0, 0.0, 1000.0);
    this.stabilityRequired = r.bool("stability.required", false);
    this.requestTimeout = r.duration("request-timeout", Duration.ofSeconds(10), false);
    this.p50 = r.has("targets.p50") ? r.duration("targets.p50", null, false) : null;
    this.p95 = r.has("targets.p95") ? r.duration("targets.p95", null, false) : null;
    this.p99 = r.has("targets.p99") ? r.duration("targets.p99", null, false) : null;
    this.minThroughput = r.has("targets.min-throughput")
        ? r.number("targets.min-throughput", 0, 0, Double.MAX_VALUE) : null;
    this.maxErrorRate = r.number("targets.max-error-rate", 0.0, 0.0, 1.0);
    if (model.isBlank()) {
      throw r.bad("model", "\"\"", "a non-blank model name");
    }
    if (duration.compareTo(window) < 0) {
      throw r.bad("duration", r.render("duration"), "at least one window (" + r.render("window") + ")");
    }
  }

  /**
   * Reads one SLA file; JSON is accepted as it is valid HOCON. Its name is the file name without extension.
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
    int dot = fileName.lastIndexOf('.');
    return new SlaSpec(dot > 0 ? fileName.substring(0, dot) : fileName, new Reader(file, config));
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
    List<SlaSpec> specs = new ArrayList<>();
    for (Path f : files) {
      specs.add(parse(f));
    }
    return List.copyOf(specs);
  }

  /** The SLA's name: its file name without extension. */
  public String name() {
    return name;
  }

  /** The model to drive. */
  public String model() {
    return model;
  }

  /** The version to drive; empty for the serving default. */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  /** Callers, each with one request outstanding at a time (closed loop, like perf_analyzer's concurrency mode). */
  public int concurrency() {
    return concurrency;
  }

  /** Rows (dimension 0) in each request. */
  public int batch() {
    return batch;
  }

  /** Shapes for inputs with dynamic non-batch dimensions, by input name; dimension 0 is always {@link #batch()}. */
  public Map<String, long[]> inputShapes() {
    Map<String, long[]> copy = new LinkedHashMap<>();
    inputShapes.forEach((k, v) -> copy.put(k, v.clone()));
    return copy;
  }

  /** Load applied before measuring starts; nothing from it is reported. */
  public Duration warmUp() {
    return warmUp;
  }

  /** One measurement window. */
  public Duration window() {
    return window;
  }

  /** The most time spent measuring, warm-up excluded. */
  public Duration duration() {
    return duration;
  }

  /** The most measurement windows. */
  public int maxWindows() {
    return maxWindows;
  }

  /** How many consecutive windows must agree for the measurement to be stable. */
  public int stableWindows() {
    return stableWindows;
  }

  /** How far, in percent of their mean, throughput and p95 of the last windows may spread and count as stable. */
  public double tolerancePercent() {
    return tolerancePercent;
  }

  /** Whether an unstable measurement fails the SLA. */
  public boolean stabilityRequired() {
    return stabilityRequired;
  }

  /** Timeout of each request. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Target for the median latency. */
  public Optional<Duration> p50() {
    return Optional.ofNullable(p50);
  }

  /** Target for the 95th percentile latency. */
  public Optional<Duration> p95() {
    return Optional.ofNullable(p95);
  }

  /** Target for the 99th percentile latency. */
  public Optional<Duration> p99() {
    return Optional.ofNullable(p99);
  }

  /** Minimum throughput in inferences (rows) per second: requests per second times {@link #batch()}. */
  public OptionalDouble minThroughput() {
    return minThroughput == null ? OptionalDouble.empty() : OptionalDouble.of(minThroughput);
  }

  /** Highest fraction of requests that may fail, 0 to 1. */
  public double maxErrorRate() {
    return maxErrorRate;
  }

  @Override
  public String toString() {
    return "SlaSpec{" + name + ": model=" + model + (version == null ? "" : ", version=" + version)
        + ", concurrency=" + concurrency + ", batch=" + batch + "}";
  }

  /** Reads typed values, turning every problem into an error naming the file, key, value and what is allowed. */
  private static final class Reader {
    private final Path file;
    private final Config config;

    Reader(Path file, Config config) {
      this.file = file;
      this.config = config;
      unknown(config.root(), "", KEYS);
      if (config.hasPath("stability")) {
        unknown(object("stability"), "stability.", STABILITY_KEYS);
      }
      if (config.hasPath("targets")) {
        unknown(object("targets"), "targets.", TARGET_KEYS);
      }
      if (!config.hasPath("model")) {
        throw new IllegalArgumentException("SLA file " + file + " has no 'model'; expected the name of the model"
            + " to drive, e.g. model = mlp-small");
      }
    }

    boolean has(String key) {
      return config.hasPath(key);
    }

    String render(String key) {
      return config.hasPath(key) ? show(config.getValue(key)) : "its default";
    }

    /** Strings as written, other values as HOCON renders them. */
    static String show(ConfigValue v) {
      if (v.valueType() == ConfigValueType.STRING) {
        String s = (String) v.unwrapped();
        return s.isBlank() ? v.render() : s;
      }
      return v.render();
    }

    String string(String key) {
      ConfigValue v = config.getValue(key);
      if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
        throw bad(key, show(v), "a string");
      }
      return String.valueOf(v.unwrapped());
    }

    int integer(String key, int fallback, int min, int max) {
      if (!config.hasPath(key)) {
        return fallback;
      }
      ConfigValue v = config.getValue(key);
      Object raw = v.unwrapped();
      if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= min
          && n.doubleValue() <= max) {
        return n.intValue();
      }
      throw bad(key, show(v), "a whole number from " + min + " to " + max);
    }

    double number(String key, double fallback, double min, double max) {
      if (!config.hasPath(key)) {
        return fallback;
      }
      ConfigValue v = config.getValue(key);
      if (v.unwrapped() instanceof Number n && n.doubleValue() >= min && n.doubleValue() <= max
          && Double.isFinite(n.doubleValue())) {
        return n.doubleValue();
      }
      throw bad(key, show(v), "a number from " + fmt(min) + " to " + fmt(max));
    }

    boolean bool(String key, boolean fallback) {
      if (!config.hasPath(key)) {
        return fallback;
      }
      ConfigValue v = config.getValue(key);
      if (v.unwrapped() instanceof Boolean b) {
        return b;
      }
      throw bad(key, show(v), "true or false");
    }

    Duration duration(String key, Duration fallback, boolean zeroAllowed) {
      if (!config.hasPath(key)) {
        return fallback;
      }
      ConfigValue v = config.getValue(key);
      Duration d;
      try {
        d = config.getDuration(key);
      } catch (ConfigException e) {
        throw bad(key, show(v), "a duration such as 500ms, 2s or 1m");
      }
      if (d.isNegative() || (!zeroAllowed && d.isZero())) {
        throw bad(key, show(v), zeroAllowed ? "a duration of zero or more" : "a positive duration");
      }
      return d;
    }

    Map<String, long[]> shapes(String key) {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      if (!config.hasPath(key)) {
        return shapes;
      }
      for (Map.Entry<String, ConfigValue> e : object(key).entrySet()) {
        String path = key + "." + e.getKey();
        Object raw = e.getValue().unwrapped();
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
          throw bad(path, show(e.getValue()), "a shape, a list of dimensions such as [1, 16]");
        }
        long[] shape = new long[list.size()];
        for (int i = 0; i < shape.length; i++) {
          if (!(list.get(i) instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
            throw bad(path, show(e.getValue()), "a list of whole dimensions of 0 or more");
          }
          shape[i] = n.longValue();
        }
        shapes.put(e.getKey(), shape);
      }
      return shapes;
    }

    private ConfigObject object(String key) {
      ConfigValue v = config.getValue(key);
      if (v.valueType() != ConfigValueType.OBJECT) {
        throw bad(key, show(v), "an object { ... }");
      }
      return (ConfigObject) v;
    }

    private void unknown(ConfigObject object, String prefix, Set<String> allowed) {
      for (String k : object.keySet()) {
        if (!allowed.contains(k)) {
          throw new IllegalArgumentException("SLA file " + file + " has unknown key '" + prefix + k
              + "'; expected one of " + new java.util.TreeSet<>(allowed));
        }
      }
    }

    IllegalArgumentException bad(String key, Object value, String expected) {
      return new IllegalArgumentException("SLA file " + file + ": " + key + " is " + value + "; expected "
          + expected);
    }

    private static String fmt(double d) {
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%g", d);
    }
  }
}
