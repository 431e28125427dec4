package dev.deduce.perf.tune;

import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.internal.Tuning;
import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Finds the serving settings (batching max size, queue delay and preferred sizes, instances, engine threads) under
 * which a model of a model repository best meets an SLA on this machine, by measuring them with the SLA runner.
 *
 * <pre>{@code
 * TuneResult r = Tuner.builder(Path.of("models"), SlaSpec.parse(Path.of("mlp-large.conf")))
 *     .budget(Duration.ofMinutes(5)).build().run();
 * r.write(Path.of("tune-results"));
 * r.fragment().ifPresent(System.out::println);
 * }</pre>
 */
public final class Tuner {

  /** Runs a budget must hold: a JVM warm-up, the configuration as it is, three seeds, and two confirming runs. */
  static final int MIN_RUNS = 7;

  private final Builder b;

  private Tuner(Builder b) {
    this.b = b;
  }

  /** A tuner of the model {@code sla} names, served from the model repository {@code models}, held to {@code sla}. */
  public static Builder builder(Path models, SlaSpec sla) {
    return new Builder(models, sla);
  }

  /**
   * Measures settings until the search converges or the budget is spent; blocks for up to the budget.
   *
   * @throws IllegalArgumentException when the model cannot be served as its model.conf configures it
   */
  public TuneResult run() {
    RuntimeSettings settings = b.config == null ? RuntimeSettings.load() : RuntimeSettings.load(b.config);
    SlaSpec s = b.sla;
    SlaSpec versioned = new SlaSpec(s.name(), s.model(), java.util.Optional.of(b.version), s.concurrency(), s.rate(),
        s.batch(),
        s.inputs(), s.dims(), s.requests(), s.warmUp(), s.window(), s.duration(), s.maxWindows(), s.stability(),
        s.requestTimeout(), s.targets());
    return new Tuning(b.models, versioned, b.budget, b.plugins, settings, b.progress).run();
  }

  /** Configures a {@link Tuner}; {@link #build()} checks everything and says what was wrong. */
  public static final class Builder {
    private final Path models;
    private final SlaSpec sla;
    private Duration budget = Duration.ofMinutes(10);
    private Path plugins;
    private Path config;
    private String version;
    private Consumer<String> progress = line -> { };

    private Builder(Path models, SlaSpec sla) {
      this.models = Objects.requireNonNull(models, "models folder must not be null");
      this.sla = Objects.requireNonNull(sla, "SLA must not be null");
    }

    /** The most time the run may take (default 10 minutes). */
    public Builder budget(Duration d) {
      this.budget = Objects.requireNonNull(d, "budget must not be null");
      return this;
    }

    /** A PF4J plugins folder to take engines from, besides the classpath. */
    public Builder plugins(Path dir) {
      this.plugins = dir;
      return this;
    }

    /** The Deduce runtime config (HOCON) the model.conf layers over; default: the usual layers only. */
    public Builder config(Path file) {
      this.config = file;
      return this;
    }

    /** Receives one line per run and per decision, for a console. */
    public Builder progress(Consumer<String> lines) {
      this.progress = Objects.requireNonNull(lines, "progress must not be null");
      return this;
    }

    /**
     * The tuner.
     *
     * @throws IllegalArgumentException naming what is wrong: a missing folder or file, a model or version the
     *                                  repository lacks, a budget too small for the SLA's measurements
     */
    public Tuner build() {
      if (!Files.isDirectory(models)) {
        throw new IllegalArgumentException("models folder " + models + " does not exist or is not a folder; expected"
            + " a model repository laid out <models>/<name>/<version>/model.conf");
      }
      if (plugins != null && !Files.isDirectory(plugins)) {
        throw new IllegalArgumentException("plugins folder " + plugins + " does not exist or is not a folder;"
            + " expected a folder of plugin .zip or .jar files");
      }
      if (config != null && !Files.isRegularFile(config)) {
        throw new IllegalArgumentException("runtime config " + config + " does not exist or is not a file;"
            + " expected a HOCON file");
      }
      Path modelDir = models.resolve(sla.model());
      if (!Files.isDirectory(modelDir)) {
        throw new IllegalArgumentException("the SLA " + sla.name() + " names model '" + sla.model() + "', which the"
            + " model repository " + models + " does not hold; expected a folder " + modelDir);
      }
      List<String> versions = versions(modelDir);
      version = sla.version().orElseGet(() -> versions.isEmpty() ? null : versions.get(versions.size() - 1));
      if (version == null || !versions.contains(version)) {
        throw new IllegalArgumentException("model " + sla.model() + " has " + (version == null ? "no version folder"
            : "no version " + version) + " in " + modelDir + "; expected one of " + versions
            + " (whole-number folders)");
      }
      Duration run = sla.warmUp().plus(sla.duration());
      Duration least = run.multipliedBy(MIN_RUNS);
      if (budget.compareTo(least) < 0) {
        throw new IllegalArgumentException("budget " + budget.toMillis() + " ms is too small for SLA " + sla.name()
            + ": one measurement takes up to " + run.toMillis() + " ms (warm-up " + sla.warmUp().toMillis()
            + " ms + duration " + sla.duration().toMillis() + " ms); expected at least " + least.toMillis()
            + " ms, for a JVM warm-up, the configuration as it is, three seeds and two confirming runs");
      }
      return new Tuner(this);
    }

    private static List<String> versions(Path modelDir) {
      try (Stream<Path> list = Files.list(modelDir)) {
        return list.filter(Files::isDirectory).map(p -> p.getFileName().toString())
            .filter(n -> n.matches("0|[1-9][0-9]{0,17}")).sorted(Comparator.comparingLong(Long::parseLong)).toList();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot list " + modelDir + ": " + e.getMessage(), e);
      }
    }
  }
}
