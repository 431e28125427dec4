package dev.deduce.perf.tune.internal;

import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Setting;
import dev.deduce.perf.tune.internal.Space.Dim;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A coordinate search: from the best seed, step one setting at a time up or down its ladder, keep stepping the same
 * way while each step is clearly better, and sweep the settings again until a whole sweep moves nothing. Each setting
 * is measured once; a full grid is never walked.
 */
public final class Search {

  /** Measures a setting (or returns the earlier measurement of it); empty when the setting could not be served. */
  public interface Measure {
    /**
     * Serves and measures {@code s}.
     *
     * @throws BudgetSpent when there is no time left for it
     */
    Optional<Candidate> measure(Setting s);
  }

  /** Thrown by a {@link Measure} when the budget has no room for another measurement. */
  public static final class BudgetSpent extends RuntimeException {
    /** No stack trace: this is control flow, not an error. */
    public BudgetSpent() {
      super("the time budget is spent", null, false, false);
    }
  }

  // sweeps are few in practice (each one that moves improves the incumbent clearly); this only bounds a noisy run
  private static final int MAX_SWEEPS = 6;

  private final Space space;
  private final Ranking ranking;
  private final Set<Dim> refused = EnumSet.noneOf(Dim.class);
  private boolean budgetSpent;
  private Candidate incumbent;

  /** A search of {@code space}, comparing candidates by {@code ranking}. */
  public Search(Space space, Ranking ranking) {
    this.space = space;
    this.ranking = ranking;
  }

  /** The best candidate found from {@code start}; stops early, returning the best so far, when the budget is spent. */
  public Candidate run(Candidate start, Measure measure) {
    incumbent = start;
    try {
      for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
        boolean moved = false;
        for (Dim d : Dim.values()) {
          if (refused.contains(d) || !space.active(d, incumbent.setting())) {
            continue;
          }
          for (boolean up : new boolean[] {true, false}) {
            if (line(d, up, measure)) {
              moved = true;
              break; // it moved up: no need to look down from a better place it came from
            }
          }
        }
        if (!moved) {
          break;
        }
      }
    } catch (BudgetSpent e) {
      budgetSpent = true;
    }
    return incumbent;
  }

  // steps from the incumbent while each step is better; whether it moved
  private boolean line(Dim d, boolean up, Measure measure) {
    if (d == Dim.THREADS && incumbent.setting().engineThreads() == 0) {
      return up && everyThreadCount(measure);
    }
    boolean moved = false;
    for (Setting next = space.step(incumbent.setting(), d, up); next != null; next = space.step(next, d, up)) {
      Optional<Candidate> c = measure.measure(next);
      if (c.isEmpty()) {
        if (d == Dim.THREADS) {
          refused.add(d); // the engine refused the option itself, not this one value
        }
        return moved;
      }
      if (!ranking.better(c.get(), incumbent)) {
        return moved;
      }
      incumbent = c.get();
      moved = true;
    }
    return moved;
  }

  // "as configured" (0) is the engine's own choice, not a point on the ladder: each explicit count is tried
  private boolean everyThreadCount(Measure measure) {
    Candidate from = incumbent;
    for (Setting next = space.step(from.setting(), Dim.THREADS, true); next != null;
        next = space.step(next, Dim.THREADS, true)) {
      Optional<Candidate> c = measure.measure(next);
      if (c.isEmpty()) {
        refused.add(Dim.THREADS); // the engine refused the option itself, not this one value
        break;
      }
      if (ranking.better(c.get(), incumbent)) {
        incumbent = c.get();
      }
    }
    return incumbent != from;
  }

  /** Whether the engine refused the thread option, so threads were not searched. */
  public boolean threadsRefused() {
    return refused.contains(Dim.THREADS);
  }

  /** Whether the search stopped because the budget was spent rather than because no step improved. */
  public boolean budgetSpent() {
    return budgetSpent;
  }
}
