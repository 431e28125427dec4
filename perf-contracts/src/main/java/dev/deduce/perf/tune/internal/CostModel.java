package dev.deduce.perf.tune.internal;

import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Setting;
import java.time.Duration;
import java.util.List;

/**
 * An engine run's cost as a straight line in its rows, fitted to two measurements (one request per run, and every
 * caller in one run), to guess where the search should start: with {@code I} instances and {@code C} callers, a run
 * holds about {@code min(max-size, C x batch / I)} rows, and at most {@code cores} runs make progress at once.
 */
record CostModel(double fixedNanos, double perRowNanos, int concurrency, int batch, int cores) {

  static CostModel fit(Candidate one, Duration oneCost, Candidate all, Duration allCost, SlaSpec spec, int cores) {
    double r1 = Math.max(1, one.meanBatchRows());
    double rn = Math.max(1, all.meanBatchRows());
    double c1 = oneCost.toNanos();
    double cn = allCost.toNanos();
    // no bigger runs formed, or they cost no more per run than single ones (timer noise): charge per row
    double slope = rn > r1 + 0.5 && cn > c1 ? (cn - c1) / (rn - r1) : c1 / r1;
    double fixed = Math.max(0, c1 - slope * r1);
    return new CostModel(fixed, slope, spec.concurrency(), spec.batch(), cores);
  }

  /** Predicted inferences per second with {@code maxSize} rows and {@code instances} instances. */
  double throughput(int maxSize, int instances) {
    double rows = Math.min(maxSize, Math.max(batch, (double) concurrency * batch / instances));
    double cost = fixedNanos + perRowNanos * rows;
    return Math.min(instances, cores) * rows / (cost / 1e9);
  }

  /** The predicted fastest max size and instance count of {@code space}, the smaller on a tie, without delay. */
  Setting best(Space space) {
    int bestSize = space.sizes.get(0);
    int bestInstances = 1;
    double top = -1;
    for (int size : space.sizes) {
      for (int instances : space.instances) {
        double t = throughput(size, instances);
        if (t > top * (1 + Ranking.TIE)) {
          top = t;
          bestSize = size;
          bestInstances = instances;
        }
      }
    }
    return new Setting(bestSize, Duration.ZERO, List.of(), bestInstances, 0);
  }
}
