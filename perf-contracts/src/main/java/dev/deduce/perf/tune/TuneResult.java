package dev.deduce.perf.tune;

import dev.deduce.perf.sla.SlaResult;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.internal.TuneJson;
import dev.deduce.perf.tune.internal.TuneReport;
import dev.deduce.perf.tune.internal.Tuning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Tuner} run measured: every run of every setting, the Pareto front of throughput against p99, and the
 * best setting that meets the SLA, as a model.conf fragment.
 *
 * @param model        the tuned model
 * @param version      its version
 * @param engine       the engine id the model.conf names
 * @param sla          the SLA each setting was measured against
 * @param cores        processors of the machine it ran on
 * @param loadAtStart  the one-minute load average when the run started (-1 where the platform has none)
 * @param loadAtEnd    the same when it ended
 * @param budget       the time the run was given
 * @param elapsed      the time it took
 * @param gridSize     settings in the full grid of the search space; {@link #candidates()} says how many were measured
 * @param measurements every run, in order, including settings that failed to load
 * @param candidates   every distinct setting measured, its runs combined; the first is the model's own configuration
 * @param front        candidates no other stable candidate beats on both throughput and p99, by throughput
 * @param best         the fastest stable candidate meeting the SLA, when one did
 * @param outcome      whether a setting met the SLA, none did, or no measurement stabilised
 * @param summary      one sentence saying what was found
 * @param notes        what was not searched and why (settings an engine refused, dimensions pruned, budget spent)
 */
public record TuneResult(String model, String version, String engine, SlaSpec sla, int cores, double loadAtStart,
    double loadAtEnd, Duration budget, Duration elapsed, long gridSize, List<Measurement> measurements,
    List<Candidate> candidates, List<Candidate> front, Optional<Candidate> best, Outcome outcome, String summary,
    List<String> notes) {

  /** Copies the lists. */
  public TuneResult {
    measurements = List.copyOf(measurements);
    candidates = List.copyOf(candidates);
    front = List.copyOf(front);
    notes = List.copyOf(notes);
    Objects.requireNonNull(best, "best");
  }

  /** How a tuning run came out. */
  public enum Outcome {
    /** a stable setting met every target of the SLA: {@link #best()} is it */
    MET,
    /** settings were measured stably, but none met the SLA */
    NOT_MET,
    /** no measurement's windows stabilised, so no figure is trustworthy enough to pick a winner */
    UNSTABLE
  }

  /**
   * The serving settings the tuner searches.
   *
   * @param maxSize         {@code batching.max-size}: rows in one engine run (1 = no batching)
   * @param maxQueueDelay   {@code batching.max-queue-delay}
   * @param preferredSizes  {@code batching.preferred-sizes}
   * @param instances       {@code instances}
   * @param engineThreads   the engine option {@code intra-op-threads}; 0 = as the model's config leaves it
   */
  public record Setting(int maxSize, Duration maxQueueDelay, List<Integer> preferredSizes, int instances,
      int engineThreads) {
    /** Copies the list. */
    public Setting {
      preferredSizes = List.copyOf(preferredSizes);
    }

    /** E.g. {@code max-size 16, delay 0ms, preferred [], instances 2, threads 1}. */
    public String label() {
      return "max-size " + maxSize + ", delay " + duration(maxQueueDelay) + ", preferred " + preferredSizes
          + ", instances " + instances + ", threads " + (engineThreads == 0 ? "as configured" : engineThreads);
    }

    /** The model.conf keys for this setting, to paste at the end of the version's model.conf. */
    public String fragment() {
      StringBuilder b = new StringBuilder();
      b.append("batching {\n  enabled = true\n  max-size = ").append(maxSize).append("\n  max-queue-delay = ")
          .append(duration(maxQueueDelay)).append("\n  preferred-sizes = ").append(preferredSizes).append("\n}\n")
          .append("instances = ").append(instances).append('\n');
      if (engineThreads > 0) {
        b.append("options { intra-op-threads = ").append(engineThreads).append(" }\n");
      }
      return b.toString();
    }

    /** A duration as model.conf takes it: whole milliseconds, else microseconds. */
    static String duration(Duration d) {
      long us = d.toNanos() / 1000;
      return us % 1000 == 0 ? us / 1000 + "ms" : us + "us";
    }
  }

  /**
   * One run of one setting.
   *
   * @param index         its place in the run, from 1
   * @param phase         why it was measured: {@code jvm-warm-up} (the configured setting once, to warm the JVM up;
   *                      counted nowhere), {@code configured}, {@code seed}, {@code search} or {@code confirm}
   * @param setting       what was served
   * @param asConfigured  whether this is the model's own configuration, served as its model.conf says
   * @param loadFailure   why the setting could not be served (the repository's message); empty when it was measured
   * @param result        the SLA runner's result, when it was measured
   * @param meanBatchRows rows per engine run, averaged over the engine runs of the whole run (warm-up included)
   * @param seconds       the time the run took, serving included
   */
  public record Measurement(int index, String phase, Setting setting, boolean asConfigured,
      Optional<String> loadFailure, Optional<SlaResult> result, double meanBatchRows, double seconds) {

    /** Whether the setting was served and measured. */
    public boolean measured() {
      return result.isPresent();
    }
  }

  /**
   * One distinct setting with its runs combined: figures are the means over its runs. Latencies in nanoseconds.
   *
   * @param setting      the setting
   * @param asConfigured whether it is the model's own configuration
   * @param runs         the indexes of its measurements
   * @param throughput   inferences (rows) per second
   * @param p50          caller-side latency percentiles
   * @param meanBatchRows rows per engine run
   * @param stable       some run's windows stabilised
   * @param metSla       every run met every target
   * @param missed       the checks a run failed, e.g. {@code p99 12.1 ms > 10.0 ms}
   */
  public record Candidate(Setting setting, boolean asConfigured, List<Integer> runs, double throughput, long p50,
      long p95, long p99, double meanBatchRows, boolean stable, boolean metSla, List<String> missed) {
    /** Copies the lists. */
    public Candidate {
      runs = List.copyOf(runs);
      missed = List.copyOf(missed);
    }

    /** E.g. {@code 5321.4 infer/s, p50 2.104 ms, p99 6.880 ms}. */
    public String figures() {
      return String.format(Locale.ROOT, "%.1f infer/s, p50 %.3f ms, p99 %.3f ms", throughput, p50 / 1e6, p99 / 1e6);
    }
  }

  /** The candidate measured as the model's own configuration. */
  public Candidate configured() {
    return candidates.get(0);
  }

  /** The model.conf fragment of the best setting, with a comment saying where it was measured; empty when none met. */
  public Optional<String> fragment() {
    return best.map(c -> "# deduce tune: best setting for " + model + " version " + version + " under SLA "
        + sla.name() + " (" + Tuning.load(sla) + "), measured on " + cores
        + " cores: " + c.figures() + "\n" + (c.asConfigured()
        ? "# the model's own configuration was the best measured: these keys restate it, nothing needs to change\n"
        : "# paste at the end of " + model + "/" + version + "/model.conf\n")
        + c.setting().fragment());
  }

  /**
   * Writes {@code tune-results.json} (every measurement), {@code tune-report.html} (the front drawn) and, when a
   * setting met the SLA, {@code tuned-model.conf} (the fragment) into {@code folder}; returns the files written.
   *
   * @throws IOException when the folder or a file cannot be written
   */
  public List<Path> write(Path folder) throws IOException {
    Files.createDirectories(folder);
    Path json = TuneJson.write(this, folder.resolve("tune-results.json"));
    Path html = TuneReport.write(this, folder.resolve("tune-report.html"));
    Optional<String> fragment = fragment();
    if (fragment.isEmpty()) {
      Files.deleteIfExists(folder.resolve("tuned-model.conf"));
      return List.of(json, html);
    }
    return List.of(json, html, Files.writeString(folder.resolve("tuned-model.conf"), fragment.get()));
  }
}
