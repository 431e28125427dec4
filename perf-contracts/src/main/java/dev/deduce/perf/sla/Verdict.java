package dev.deduce.perf.sla;

import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.perf.sla.SlaResult.Check.Outcome;
import dev.deduce.perf.sla.SlaResult.Stats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Turns measurement windows into figures and compares them with the SLA's targets. */
final class Verdict {

  private Verdict() {
  }

  static SlaResult judge(SlaSpec spec, String version, List<SlaRunner.Window> windows, boolean stable,
      Map<String, Long> errors, List<SlaResult.ErrorSample> firstErrors) {
    List<Stats> perWindow = new ArrayList<>();
    for (SlaRunner.Window w : windows) {
      perWindow.add(stats(List.of(w), spec.batch()));
    }
    int from = Math.max(0, windows.size() - spec.stableWindows());
    Stats measured = stats(windows.subList(from, windows.size()), spec.batch());
    List<Check> checks = new ArrayList<>();
    boolean any = measured.requests() > 0;
    latency(checks, "p50", spec.p50().orElse(null), measured.p50(), any);
    latency(checks, "p95", spec.p95().orElse(null), measured.p95(), any);
    latency(checks, "p99", spec.p99().orElse(null), measured.p99(), any);
    if (spec.minThroughput().isPresent()) {
      double min = spec.minThroughput().getAsDouble();
      boolean ok = measured.throughput() >= min;
      checks.add(new Check("min-throughput", num(min) + " infer/s", num(measured.throughput()) + " infer/s",
          ok ? Outcome.PASSED : Outcome.FAILED, ok ? "" : "throughput " + num(measured.throughput())
          + " infer/s is below the minimum of " + num(min) + " infer/s"));
    }
    long total = measured.requests() + measured.failed();
    double rate = total == 0 ? 1.0 : (double) measured.failed() / total;
    boolean errorsOk = total > 0 && rate <= spec.maxErrorRate();
    checks.add(new Check("max-error-rate", num(spec.maxErrorRate()), num(rate),
        errorsOk ? Outcome.PASSED : Outcome.FAILED, errorsOk ? "" : total == 0
        ? "no request completed or failed in the measurement windows; expected answers within request-timeout"
        : (measured.requests() == 0 ? "no request completed; " : "") + measured.failed() + " of " + total
        + " requests failed (by kind, over all windows: " + errors + "), an error rate of " + num(rate)
        + " above the maximum of " + num(spec.maxErrorRate()) + firstMessages(firstErrors)));
    String stability = "last " + spec.stableWindows() + " windows within " + num(spec.tolerancePercent()) + "%";
    String observed = (stable ? "stable" : "not stable") + " after " + windows.size() + " windows";
    if (stable) {
      checks.add(new Check("stability", stability, observed, Outcome.PASSED, ""));
    } else {
      String why = "throughput and p95 did not settle within " + num(spec.tolerancePercent()) + "% over "
          + spec.stableWindows() + " consecutive windows in " + windows.size() + " windows; the figures reported are"
          + " from the last " + Math.min(windows.size(), spec.stableWindows()) + " windows";
      checks.add(new Check("stability", stability, observed,
          spec.stabilityRequired() ? Outcome.FAILED : Outcome.SKIPPED, why));
    }
    return new SlaResult(spec.name(), spec.model(), version, spec.concurrency(), spec.batch(), perWindow, stable,
        measured, errors, firstErrors, checks);
  }

  private static String firstMessages(List<SlaResult.ErrorSample> samples) {
    StringBuilder b = new StringBuilder();
    for (SlaResult.ErrorSample e : samples) {
      b.append(b.length() == 0 ? "; first messages: " : "; ").append(e.kind()).append(" x").append(e.count())
          .append(": ").append(e.message());
    }
    return b.toString();
  }

  private static void latency(List<Check> checks, String name, Duration target, long actualNanos, boolean any) {
    if (target == null) {
      return;
    }
    String actual = any ? millis(actualNanos) : "no completed requests";
    boolean ok = any && actualNanos <= target.toNanos();
    checks.add(new Check(name, millis(target.toNanos()), actual, ok ? Outcome.PASSED : Outcome.FAILED,
        ok ? "" : any ? name + " latency " + actual + " is above the target of " + millis(target.toNanos())
        : "no request completed, so " + name + " latency cannot meet its target"));
  }

  static Stats stats(List<SlaRunner.Window> windows, int batch) {
    Histogram latency = new Histogram(3);
    Histogram queue = new Histogram(3);
    Histogram compute = new Histogram(3);
    long nanos = 0;
    long failed = 0;
    for (SlaRunner.Window w : windows) {
      latency.add(w.latency());
      queue.add(w.queue());
      compute.add(w.compute());
      nanos += w.nanos();
      failed += w.failed();
    }
    double seconds = nanos / 1e9;
    long n = latency.getTotalCount();
    return new Stats(seconds, n, failed, seconds == 0 ? 0 : n * (double) batch / seconds,
        at(latency, 50), at(latency, 90), at(latency, 95), at(latency, 99), latency.getMaxValue(), mean(latency),
        at(queue, 50), at(queue, 99), mean(queue), at(compute, 50), at(compute, 99), mean(compute));
  }

  private static long at(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile);
  }

  private static double mean(Histogram h) {
    return h.getTotalCount() == 0 ? 0 : h.getMean();
  }

  static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.4g", v);
  }
}
