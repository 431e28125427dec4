package dev.deduce.perf.sla;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/** The machine a measurement ran on, as reports state it: figures from a loaded machine are not comparable. */
public final class Machine {

  private Machine() {}

  /** Available processors. */
  public static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** The one-minute load average, or -1 where the platform has none. */
  public static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** E.g. "2 cores, load average 0.53". */
  public static String describe() {
    double load = loadAverage();
    return cores() + " cores, load average " + (load < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", load));
  }
}
