package dev.deduce.perf.tune.internal;

import dev.deduce.perf.sla.SlaResult;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Measurement;
import dev.deduce.perf.tune.TuneResult.Setting;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How candidates compare: meeting the SLA before missing it (then the nearer to its targets), then throughput, then
 * p99; the winner must also be stable.
 */
public final class Ranking {

  /** Throughputs closer than this fraction are a tie: a single run on a shared machine is no finer than that. */
  static final double TIE = 0.02;

  private final SlaSpec spec;

  /** Ranks against {@code spec}'s targets. */
  public Ranking(SlaSpec spec) {
    this.spec = spec;
  }

  /**
   * {@code runs} of one setting combined: the figures are the means over all its measured runs (on a shared machine
   * load drifts, and dropping the runs it spoilt would favour settings measured while it was quiet); it is stable when
   * some run's windows stabilised, and meets the SLA when every run did.
   */
  public static Candidate combine(Setting setting, boolean asConfigured, List<Measurement> runs) {
    List<Measurement> counted = runs.stream().filter(Measurement::measured).toList();
    if (counted.isEmpty()) {
      throw new IllegalArgumentException("no measured run of " + setting.label());
    }
    boolean stable = counted.stream().anyMatch(m -> m.result().get().stable());
    double n = counted.size();
    double tp = 0;
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;
    double rows = 0;
    boolean met = true;
    List<String> missed = new ArrayList<>();
    for (Measurement m : counted) {
      SlaResult r = m.result().get();
      SlaResult.Stats s = r.measured();
      tp += s.throughput() / n;
      p50 += s.p50() / n;
      p95 += s.p95() / n;
      p99 += s.p99() / n;
      rows += m.meanBatchRows() / n;
      met &= r.passed();
      r.checks().stream().filter(c -> c.outcome() == SlaResult.Check.Outcome.FAILED)
          .map(c -> "run " + m.index() + ": " + c.name() + " " + c.actual() + " (target " + c.target() + ")")
          .forEach(missed::add);
    }
    return new Candidate(setting, asConfigured, counted.stream().map(Measurement::index).toList(), tp, (long) p50,
        (long) p95, (long) p99, rows, stable, met, missed);
  }

  /**
   * Whether {@code a} is clearly better than {@code b}: the search moves only then. Stability is not asked here: on a
   * noisy machine most single runs may miss it, and their figures still point the way; only stable candidates can
   * {@linkplain #best win}, and the winner is run again.
   */
  public boolean better(Candidate a, Candidate b) {
    if (a.metSla() != b.metSla()) {
      return a.metSla();
    }
    if (!a.metSla()) {
      return violation(a) < violation(b) * (1 - TIE);
    }
    if (a.throughput() > b.throughput() * (1 + TIE)) {
      return true;
    }
    return a.throughput() >= b.throughput() * (1 - TIE) && a.p99() < b.p99() * (1 - TIE);
  }

  /**
   * How far a candidate is from its targets: the worst ratio of a latency to its target or of the minimum throughput
   * to the throughput (1 or less meets them); failed requests make it infinite.
   */
  double violation(Candidate c) {
    if (c.missed().stream().anyMatch(m -> m.contains("max-error-rate")) || c.throughput() == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double v = 0;
    v = Math.max(v, spec.p50().map(t -> c.p50() / (double) t.toNanos()).orElse(0.0));
    v = Math.max(v, spec.p95().map(t -> c.p95() / (double) t.toNanos()).orElse(0.0));
    v = Math.max(v, spec.p99().map(t -> c.p99() / (double) t.toNanos()).orElse(0.0));
    if (spec.minThroughput().isPresent()) {
      v = Math.max(v, spec.minThroughput().getAsDouble() / c.throughput());
    }
    return v;
  }

  /** Best first: meeting the SLA, then (among misses) nearer to the targets, then higher throughput. */
  public java.util.Comparator<Candidate> order() {
    return Comparator.comparing((Candidate c) -> !c.metSla())
        .thenComparingDouble(c -> c.metSla() ? 0 : violation(c))
        .thenComparing(Comparator.comparingDouble(Candidate::throughput).reversed());
  }

  /** The first of {@code candidates} that no other is {@linkplain #better better} than, or empty if none. */
  public Optional<Candidate> first(List<Candidate> candidates) {
    Candidate top = null;
    for (Candidate c : candidates) {
      if (top == null || better(c, top)) {
        top = c;
      }
    }
    return Optional.ofNullable(top);
  }

  /**
   * The winner: among stable candidates meeting the SLA, those within {@value #TIE} of the highest throughput, the
   * one with the lowest p99.
   */
  public static Optional<Candidate> best(List<Candidate> candidates) {
    List<Candidate> ok = candidates.stream().filter(c -> c.stable() && c.metSla()).toList();
    double top = ok.stream().mapToDouble(Candidate::throughput).max().orElse(0);
    return ok.stream().filter(c -> c.throughput() >= top * (1 - TIE)).min(Comparator.comparingLong(Candidate::p99));
  }

  /** Stable candidates no other stable candidate beats on both throughput (higher) and p99 (lower), by throughput. */
  public static List<Candidate> front(List<Candidate> candidates) {
    List<Candidate> stable = candidates.stream().filter(Candidate::stable).toList();
    List<Candidate> front = new ArrayList<>();
    for (Candidate c : stable) {
      boolean dominated = stable.stream().anyMatch(o -> o != c && o.throughput() >= c.throughput()
          && o.p99() <= c.p99() && (o.throughput() > c.throughput() || o.p99() < c.p99()));
      if (!dominated) {
        front.add(c);
      }
    }
    front.sort(Comparator.comparingDouble(Candidate::throughput));
    return front;
  }
}
