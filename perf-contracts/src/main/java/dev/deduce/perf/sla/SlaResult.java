package dev.deduce.perf.sla;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one SLA run measured and whether each target was met.
 *
 * @param name        the SLA's name
 * @param model       the model driven
 * @param version     the model version that answered (from the results), or the one asked for if none did
 * @param concurrency callers
 * @param batch       rows per request
 * @param windows     every measurement window, in order
 * @param stable      whether the last {@code stability.windows} windows agreed within the tolerance
 * @param measured    the last {@code stability.windows} windows (or all, if fewer) merged: what is reported
 * @param errors      failed requests in all measurement windows, by error kind
 * @param firstErrors the first distinct messages of each kind, with how often each came (a few per kind)
 * @param checks      one per target, plus stability and errors
 */
public record SlaResult(String name, String model, String version, int concurrency, int batch, List<Stats> windows,
    boolean stable, Stats measured, Map<String, Long> errors, List<ErrorSample> firstErrors, List<Check> checks) {

  /** Copies the lists and map. */
  public SlaResult {
    Objects.requireNonNull(name, "name");
    windows = List.copyOf(windows);
    errors = Map.copyOf(errors);
    firstErrors = List.copyOf(firstErrors);
    checks = List.copyOf(checks);
  }

  /** Whether every check passed. */
  public boolean passed() {
    return checks.stream().allMatch(c -> c.outcome() != Check.Outcome.FAILED);
  }

  /**
   * Figures over one span of measurement; times in nanoseconds.
   *
   * @param seconds           the span's length
   * @param requests          requests that completed successfully
   * @param failed            requests that failed
   * @param throughput        inferences (rows) per second: successful requests times batch, per second
   * @param p50               latency percentiles as the caller saw them, submit to result
   * @param queueP50          time waiting in the runtime's queue (from each result)
   * @param computeP50        time its batch spent in the engine (from each result)
   */
  public record Stats(double seconds, long requests, long failed, double throughput, long p50, long p90, long p95,
      long p99, long max, double mean, long queueP50, long queueP99, double queueMean, long computeP50,
      long computeP99, double computeMean) {
  }

  /**
   * One distinct failure message.
   *
   * @param kind    the error kind, e.g. {@code INVALID_INPUT}
   * @param message the message, shortened to {@value SlaRunner#MESSAGE_CHARS} characters
   * @param count   how many failures in the measurement windows had it
   */
  public record ErrorSample(String kind, String message, long count) {}

  /**
   * One target and how the measurement compares with it.
   *
   * @param name    e.g. {@code p95}, {@code min-throughput}, {@code stability}
   * @param target  the target as written in the SLA
   * @param actual  the measured value
   * @param outcome passed, failed, or skipped (a check that only reports, e.g. stability when not required)
   * @param message why it failed or was skipped; empty when it passed
   */
  public record Check(String name, String target, String actual, Outcome outcome, String message) {

    /** How a check came out. */
    public enum Outcome { PASSED, FAILED, SKIPPED }
  }
}
