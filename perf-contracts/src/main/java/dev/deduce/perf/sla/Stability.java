package dev.deduce.perf.sla;

import java.util.List;

/** perf_analyzer's rule: the last N windows' throughput and p95 each lie within a tolerance of their mean. */
final class Stability {

  private Stability() {
  }

  static boolean isStable(List<SlaRunner.Window> windows, SlaSpec spec) {
    int n = spec.stableWindows();
    if (windows.size() < n) {
      return false;
    }
    List<SlaRunner.Window> last = windows.subList(windows.size() - n, windows.size());
    double[] throughput = new double[n];
    double[] p95 = new double[n];
    for (int i = 0; i < n; i++) {
      SlaRunner.Window w = last.get(i);
      if (w.latency().getTotalCount() == 0) {
        return false; // nothing completed: there is no steady state to speak of
      }
      throughput[i] = w.latency().getTotalCount() / (w.nanos() / 1e9);
      p95[i] = w.latency().getValueAtPercentile(95);
    }
    return within(throughput, spec.tolerancePercent()) && within(p95, spec.tolerancePercent());
  }

  static boolean within(double[] values, double tolerancePercent) {
    double mean = 0;
    for (double v : values) {
      mean += v;
    }
    mean /= values.length;
    double allowed = Math.abs(mean) * tolerancePercent / 100.0;
    for (double v : values) {
      if (Math.abs(v - mean) > allowed) {
        return false;
      }
    }
    return true;
  }
}
