package dev.deduce.perf.tune.internal;

import dev.deduce.perf.sla.Machine;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Measurement;
import dev.deduce.perf.tune.TuneResult.Outcome;
import dev.deduce.perf.tune.TuneResult.Setting;
import dev.deduce.runtime.RuntimeSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One tuning run: the model as configured, then seeds (one request per run, every caller in one run, and the best
 * guess of a cost model fitted to those two), a {@link Search} from the best of them, and a confirming re-run of the
 * winner and of the configured setting, all within the budget.
 */
public final class Tuning {

  // confirming runs at most: the winner, the configured setting, and a winner or two that changed on the way
  private static final int CONFIRMATIONS = 4;

  private final Path models;
  private final SlaSpec spec;
  private final String version;
  private final Duration budget;
  private final Path plugins;
  private final RuntimeSettings settings;
  private final Consumer<String> progress;
  private final Ranking ranking;
  private final List<Measurement> measurements = new ArrayList<>();
  private final Map<Setting, List<Measurement>> bySetting = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private final int cores = Machine.cores();
  private long start;
  private double longestRun;
  private Setting configured;
  private Serving serving;
  private Candidate reached;

  /** A run over {@code spec} (whose version is set) of the model in the repository {@code models}. */
  public Tuning(Path models, SlaSpec spec, Duration budget, Path plugins, RuntimeSettings settings,
      Consumer<String> progress) {
    this.models = models;
    this.spec = spec;
    this.version = spec.version().orElseThrow();
    this.budget = budget;
    this.plugins = plugins;
    this.settings = settings;
    this.progress = progress;
    this.ranking = new Ranking(spec);
  }

  /**
   * Runs it.
   *
   * @throws IllegalArgumentException when the model cannot be served as configured
   */
  public TuneResult run() {
    start = System.nanoTime();
    double loadAtStart = Machine.loadAverage();
    progress.accept("tuning " + spec.model() + " version " + version + " for SLA " + spec.name() + " ("
        + load(spec) + ") within " + budget.toSeconds() + " s on " + Machine.describe());
    String engine;
    long grid = 0;
    try (Scratch scratch = Scratch.create(models, spec.model(), version);
        Serving s = new Serving(scratch, plugins, settings, progress)) {
      serving = s;
      engine = scratch.engine();
      progress.accept("engines: " + s.engines() + (scratch.copied ? "; model files copied (no hard links here)"
          : ""));
      Measurement first = run(Optional.empty(), "jvm-warm-up", null);
      if (first.loadFailure().isPresent()) {
        throw new IllegalArgumentException("model " + spec.model() + " version " + version + " cannot be served as "
            + "its model.conf configures it: " + first.loadFailure().get() + "; expected a model the repository "
            + "serves");
      }
      configured = scratch.configured(s.runtimeSettings());
      measurements.set(0, withSetting(first, configured));
      // that run warmed the JVM up (JIT, allocation paths): a cold one would make the configured setting look slow
      bySetting.put(configured, new ArrayList<>());
      run(Optional.empty(), "configured", configured);
      grid = search();
      refine();
      confirm();
    }
    return result(engine, grid, loadAtStart);
  }

  /** The SLA's load in words: {@code 64 callers, batch 1} or {@code rate 500/s, at most 64 outstanding, batch 1}. */
  public static String load(SlaSpec s) {
    return s.rate().map(r -> "rate " + (r == Math.rint(r) ? Long.toString(r.longValue()) : Double.toString(r))
        + "/s, at most " + s.concurrency() + " outstanding").orElse(s.concurrency() + " callers") + ", batch "
        + s.batch();
  }

  private long search() {
    int top = Space.largestBatch(spec.concurrency(), spec.batch());
    Space space = null;
    try {
      Optional<Candidate> one = measure(new Setting(spec.batch(), Duration.ZERO, List.of(), 1, 0), "seed");
      Optional<Candidate> all = measure(new Setting(top, Duration.ZERO, List.of(), 1, 0), "seed");
      Duration oneCost = one.map(c -> cost(c)).orElse(Duration.ofMillis(1));
      space = Space.of(spec.concurrency(), spec.batch(), cores, oneCost, true);
      if (one.isPresent() && all.isPresent()) {
        measure(CostModel.fit(one.get(), cost(one.get()), all.get(), cost(all.get()), spec, cores).best(space),
            "seed");
      }
      Candidate from = ranking.first(candidates()).orElseThrow();
      progress.accept("search space: " + space.describe() + " (" + space.gridSize() + " settings in the full grid);"
          + " searching from " + from.setting().label());
      Search search = new Search(space, ranking);
      reached = search.run(from, x -> measure(x, "search"));
      if (search.threadsRefused()) {
        notes.add("engine threads not tuned: the engine refused the option intra-op-threads ("
            + firstFailure() + ")");
      }
      if (search.budgetSpent()) {
        notes.add("the budget ran out before the search converged: the best setting is the best of those measured;"
            + " a larger --budget searches further");
      }
    } catch (Search.BudgetSpent e) {
      notes.add("the budget ran out during the seed measurements; a larger --budget searches further");
    }
    return space == null ? 0 : space.gridSize();
  }

  private String firstFailure() {
    return measurements.stream().filter(m -> m.setting().engineThreads() > 0).flatMap(m -> m.loadFailure().stream())
        .findFirst().orElse("no message");
  }

  private Duration cost(Candidate c) {
    List<Measurement> runs = bySetting.get(c.setting());
    double mean = runs.stream().flatMap(m -> m.result().stream()).mapToDouble(r -> r.measured().computeMean())
        .average().orElse(1e6);
    return Duration.ofNanos((long) mean);
  }

  /**
   * Successive halving over what the search found, with the time it left: the better half of the candidates run
   * once more, then the better half of those, until one is left or the budget holds only the confirming runs. Each
   * round ranks by the means over every run so far, so a lucky single run loses its place.
   */
  private void refine() {
    List<Candidate> pool = new ArrayList<>(candidates());
    int rounds = 0;
    while (pool.size() > 1 && fits(2)) {
      pool.sort(ranking.order());
      pool = new ArrayList<>(pool.subList(0, (pool.size() + 1) / 2));
      // the configured setting runs in every round too, so each round compares under the same machine load
      List<Setting> round = new ArrayList<>(pool.stream().map(Candidate::setting).toList());
      if (!round.contains(configured)) {
        round.add(configured);
      }
      for (Setting s : round) {
        if (!fits(2)) {
          break;
        }
        run(s.equals(configured) ? Optional.empty() : Optional.of(s), "refine", s);
      }
      rounds++;
      pool = new ArrayList<>(pool.stream().flatMap(c -> candidate(c.setting()).stream()).toList());
    }
    if (rounds > 0) {
      notes.add("with the time the search left, " + rounds + " round(s) of successive halving ran the better half of"
          + " the candidates again, with the configured setting in every round, ranking by the means of all runs");
    }
  }

  /**
   * Runs the winner again, and the configured setting, so that neither rests on one run; a winner that changes on the
   * way is run again too, up to {@value #CONFIRMATIONS} runs in all, as the budget allows.
   */
  private void confirm() {
    if (reached != null && !reached.stable() && bySetting.get(reached.setting()).size() < 2 && fits(0)) {
      // where the search ended never stabilised: one more run may, and it is the likeliest winner
      run(reached.setting().equals(configured) ? Optional.empty() : Optional.of(reached.setting()), "confirm",
          reached.setting());
    }
    Optional<Candidate> best = Ranking.best(candidates());
    boolean configuredAgain = false;
    for (int i = 0; i < CONFIRMATIONS && best.isPresent(); i++) {
      Setting s = best.get().setting();
      boolean twice = bySetting.get(s).stream().filter(Measurement::measured).count() > 1;
      if (twice && (configuredAgain || s.equals(configured))) {
        return;
      }
      Setting next = twice ? configured : s;
      if (!fits(0)) {
        notes.add("no time left in the budget to confirm the winner with a second run");
        return;
      }
      run(next.equals(configured) ? Optional.empty() : Optional.of(next), "confirm", next);
      configuredAgain |= next.equals(configured);
      best = Ranking.best(candidates());
    }
  }

  /** Whether one more run fits in the budget, leaving {@code reserveRuns} runs' time unspent. */
  private boolean fits(int reserveRuns) {
    double elapsed = (System.nanoTime() - start) / 1e9;
    // before any run, the SLA's own length plus a little for serving; then the longest run seen
    double run = longestRun > 0 ? longestRun : spec.warmUp().plus(spec.duration()).toNanos() / 1e9 + 0.5;
    return elapsed + run * (1 + reserveRuns) <= budget.toNanos() / 1e9;
  }

  /** The candidate for {@code s}, measuring it if it was not measured yet; keeps two runs' time for confirming. */
  private Optional<Candidate> measure(Setting s, String phase) {
    Setting n = Space.normal(s);
    if (!bySetting.containsKey(n)) {
      if (!fits(2)) {
        throw new Search.BudgetSpent();
      }
      run(Optional.of(n), phase, n);
    }
    return candidate(n);
  }

  private Optional<Candidate> candidate(Setting s) {
    List<Measurement> runs = bySetting.get(s);
    return runs.stream().anyMatch(Measurement::measured)
        ? Optional.of(Ranking.combine(s, s.equals(configured), runs)) : Optional.empty();
  }

  private Measurement run(Optional<Setting> s, String phase, Setting key) {
    long t0 = System.nanoTime();
    int index = measurements.size() + 1;
    String label = s.map(Setting::label).orElse("as configured");
    Setting setting = key != null ? key : s.orElse(null);
    Optional<String> failure = serving.serve(s);
    Measurement m;
    if (failure.isPresent()) {
      m = new Measurement(index, phase, setting, s.isEmpty(), failure, Optional.empty(), 0,
          (System.nanoTime() - t0) / 1e9);
      progress.accept(String.format(Locale.ROOT, "#%d %-10s %s: not served: %s", index, phase, label,
          failure.get()));
    } else {
      Serving.Run r = serving.run(spec);
      double took = (System.nanoTime() - t0) / 1e9;
      longestRun = Math.max(longestRun, took);
      m = new Measurement(index, phase, setting, s.isEmpty(), Optional.empty(), Optional.of(r.result()),
          r.meanBatchRows(), took);
      var st = r.result().measured();
      progress.accept(String.format(Locale.ROOT, "#%d %-10s %s: %.1f infer/s, p50 %.3f ms, p99 %.3f ms, %.1f rows"
          + "/run, %s%s", index, phase, label, st.throughput(), st.p50() / 1e6, st.p99() / 1e6, r.meanBatchRows(),
          r.result().stable() ? "stable" : "NOT stable", r.result().passed() ? ", meets the SLA" : ""));
    }
    measurements.add(m);
    if (key != null) {
      bySetting.computeIfAbsent(key, k -> new ArrayList<>()).add(m);
    }
    return m;
  }

  private static Measurement withSetting(Measurement m, Setting s) {
    return new Measurement(m.index(), m.phase(), s, m.asConfigured(), m.loadFailure(), m.result(), m.meanBatchRows(),
        m.seconds());
  }

  private List<Candidate> candidates() {
    return bySetting.keySet().stream().flatMap(s -> candidate(s).stream()).toList();
  }

  private TuneResult result(String engine, long grid, double loadAtStart) {
    List<Candidate> all = candidates();
    List<Candidate> front = Ranking.front(all);
    Optional<Candidate> best = Ranking.best(all);
    Candidate conf = all.get(0);
    Outcome outcome = best.isPresent() ? Outcome.MET : all.stream().anyMatch(Candidate::stable) ? Outcome.NOT_MET
        : Outcome.UNSTABLE;
    long measured = measurements.stream().filter(Measurement::measured).count();
    notes.add(0, "measured " + all.size() + " distinct settings in " + measured + " runs, of " + grid + " in the full"
        + " grid: a coordinate search from the best of the seeds, each step kept only when clearly better");
    notes.add("preferred-sizes are searched only with a queue delay: with max-queue-delay 0 the batcher sends"
        + " whatever is queued and never waits for a preferred size");
    notes.add("not tuned: inter-op-threads (helps only graphs with parallel branches), queue capacity and deadline"
        + " (they bound overload, not speed), padding and execution provider");
    long unstable = all.stream().filter(c -> !c.stable()).count();
    if (unstable > 0) {
      notes.add(unstable + " setting(s) never stabilised and are left out of the front and the choice");
    }
    double loadAtEnd = Machine.loadAverage();
    // the load at the end counts the tuner's own callers; only the load it started under says others were busy
    if (loadAtStart > cores) {
      notes.add(String.format(Locale.ROOT, "the machine was busy when tuning started (load average %.2f on %d"
          + " cores; %.2f at the end, which counts the tuner's own callers): these figures are not those of a quiet"
          + " machine", loadAtStart, cores, loadAtEnd));
    }
    String summary = switch (outcome) {
      case MET -> best.get().asConfigured() ? "best: the model's own configuration (" + best.get().setting().label()
          + "): " + best.get().figures() + "; no other setting measured was clearly faster" : "best: "
          + best.get().setting().label() + ": " + best.get().figures() + " (as configured: "
          + conf.figures() + String.format(Locale.ROOT, "; x%.2f throughput)", best.get().throughput()
          / Math.max(conf.throughput(), 1e-9));
      case NOT_MET -> "no setting met the SLA; closest: " + ranking.first(all.stream().filter(Candidate::stable)
          .toList()).map(c -> c.setting().label() + ": " + c.figures() + "; missed " + c.missed()).orElse("none");
      case UNSTABLE -> "no measurement stabilised (throughput and p95 within " + spec.tolerancePercent() + "% over "
          + spec.stableWindows() + " windows) in " + measured + " runs, so no winner is reported: run on a quieter"
          + " machine, or give the SLA longer windows, more max-windows or a looser stability.tolerance-percent";
    };
    return new TuneResult(spec.model(), version, engine, spec, cores, loadAtStart, loadAtEnd, budget,
        Duration.ofNanos(System.nanoTime() - start), grid, measurements, all, front, best, outcome, summary, notes);
  }
}
