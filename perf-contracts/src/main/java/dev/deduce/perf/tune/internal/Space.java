package dev.deduce.perf.tune.internal;

import dev.deduce.perf.tune.TuneResult.Setting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The values the tuner tries per setting, as ladders a search steps along. Sizes are in rows and run from one request
 * ({@code batch} rows) to every caller's request in one run; queue delays are multiples of the measured cost of a
 * one-request run; instances go up to twice the cores (runs that wait on memory overlap) but never past the callers.
 */
public final class Space {

  /** The settings a search steps along, in the order it tries them. */
  public enum Dim { MAX_SIZE, INSTANCES, THREADS, DELAY, PREFERRED }

  // a run of more rows than this is rarely what a latency SLA wants, and the ladder stays short
  private static final int MAX_ROWS = 4096;
  private static final long MIN_DELAY_US = 50;

  final List<Integer> sizes;
  final List<Duration> delays;
  final List<Integer> instances;
  final List<Integer> threads;
  private final int batch;

  private Space(List<Integer> sizes, List<Duration> delays, List<Integer> instances, List<Integer> threads,
      int batch) {
    this.sizes = List.copyOf(sizes);
    this.delays = List.copyOf(delays);
    this.instances = List.copyOf(instances);
    this.threads = List.copyOf(threads);
    this.batch = batch;
  }

  /** The largest useful run: every caller's request at once, capped at {@value #MAX_ROWS} rows. */
  public static int largestBatch(int concurrency, int batch) {
    return (int) Math.max(batch, Math.min((long) concurrency * batch, MAX_ROWS));
  }

  /**
   * The space for {@code concurrency} callers of {@code batch} rows on {@code cores} processors.
   *
   * @param batchOneCost the measured engine time of a one-request run: queue delays are multiples of it
   * @param threads      whether the engine takes {@code intra-op-threads}
   */
  public static Space of(int concurrency, int batch, int cores, Duration batchOneCost, boolean threads) {
    List<Integer> sizes = new ArrayList<>();
    int top = largestBatch(concurrency, batch);
    for (long s = batch; s < top; s *= 2) {
      sizes.add((int) s);
    }
    sizes.add(top);
    TreeSet<Duration> delays = new TreeSet<>();
    delays.add(Duration.ZERO);
    // below ~50 us a delay is lost in thread wake-up time
    long us = Math.max(MIN_DELAY_US, batchOneCost.toNanos() / 1000);
    for (long d : new long[] {us / 2, us, 2 * us}) {
      delays.add(Duration.ofNanos(Math.max(MIN_DELAY_US, d) * 1000));
    }
    TreeSet<Integer> inst = new TreeSet<>(List.of(1, 2, 3, 4));
    for (int i = 8; i <= 2 * cores; i *= 2) {
      inst.add(i);
    }
    inst.removeIf(i -> i > Math.min(concurrency, 2 * Math.max(cores, 2)));
    List<Integer> thr = new ArrayList<>();
    if (threads) {
      thr.add(0);
      for (int t = 1; t <= cores; t *= 2) {
        thr.add(t);
      }
      if (!thr.contains(cores)) {
        thr.add(cores);
      }
    }
    return new Space(sizes, new ArrayList<>(delays), new ArrayList<>(inst), thr, batch);
  }

  /** The preferred-sizes choices for a max size: none, or a half or a quarter of it when that is a whole request. */
  List<List<Integer>> preferred(int maxSize) {
    List<List<Integer>> out = new ArrayList<>();
    out.add(List.of());
    for (int div : new int[] {4, 2}) {
      int p = maxSize / div;
      if (p >= 2 && p % batch == 0 && maxSize % div == 0) {
        out.add(List.of(p));
      }
    }
    return out;
  }

  /** Every setting of the full grid; preferred sizes count only with a queue delay, as the batcher ignores them without. */
  public long gridSize() {
    long perSize = 0;
    for (int s : sizes) {
      perSize += 1 + (long) (delays.size() - 1) * preferred(s).size();
    }
    return perSize * instances.size() * Math.max(1, threads.size());
  }

  /** Whether the search steps along {@code d} from {@code s}. */
  boolean active(Dim d, Setting s) {
    return switch (d) {
      case THREADS -> !threads.isEmpty();
      case PREFERRED -> !s.maxQueueDelay().isZero() && preferred(s.maxSize()).size() > 1;
      default -> true;
    };
  }

  /**
   * The setting one step from {@code s} along {@code d}, up or down its ladder (from a value off the ladder, the
   * nearest one that way), or null at the end of it.
   */
  Setting step(Setting s, Dim d, boolean up) {
    return switch (d) {
      case MAX_SIZE -> {
        Integer v = next(sizes, s.maxSize(), up);
        yield v == null ? null : normal(new Setting(v, s.maxQueueDelay(), s.preferredSizes(), s.instances(),
            s.engineThreads()));
      }
      case INSTANCES -> {
        Integer v = next(instances, s.instances(), up);
        yield v == null ? null : new Setting(s.maxSize(), s.maxQueueDelay(), s.preferredSizes(), v, s.engineThreads());
      }
      case THREADS -> {
        Integer v = next(threads, s.engineThreads(), up);
        yield v == null ? null : new Setting(s.maxSize(), s.maxQueueDelay(), s.preferredSizes(), s.instances(), v);
      }
      case DELAY -> {
        Duration v = next(delays, s.maxQueueDelay(), up);
        yield v == null ? null : normal(new Setting(s.maxSize(), v, s.preferredSizes(), s.instances(),
            s.engineThreads()));
      }
      case PREFERRED -> {
        List<List<Integer>> options = preferred(s.maxSize());
        int i = options.indexOf(s.preferredSizes());
        int j = i < 0 ? (up ? 1 : 0) : up ? i + 1 : i - 1;
        yield j < 0 || j >= options.size() || j == i ? null : new Setting(s.maxSize(), s.maxQueueDelay(),
            options.get(j), s.instances(), s.engineThreads());
      }
    };
  }

  /** Preferred sizes dropped where the batcher would ignore them (no delay) or refuse them (not below max size). */
  static Setting normal(Setting s) {
    List<Integer> p = s.maxQueueDelay().isZero() ? List.of()
        : s.preferredSizes().stream().filter(x -> x < s.maxSize()).toList();
    return p.equals(s.preferredSizes()) ? s : new Setting(s.maxSize(), s.maxQueueDelay(), p, s.instances(),
        s.engineThreads());
  }

  private static <T extends Comparable<T>> T next(List<T> ladder, T v, boolean up) {
    T found = null;
    for (T x : ladder) {
      int c = x.compareTo(v);
      if (up && c > 0 && (found == null || x.compareTo(found) < 0)) {
        found = x;
      } else if (!up && c < 0 && (found == null || x.compareTo(found) > 0)) {
        found = x;
      }
    }
    return found;
  }

  /** E.g. {@code max-size [1, 2, 4], delay [0ms, 500us], instances [1, 2], threads [0, 1, 2]}. */
  public String describe() {
    return "max-size " + sizes + ", max-queue-delay " + delays.stream().map(d -> d.toNanos() / 1000 + "us").toList()
        + ", preferred-sizes none or a half or quarter of max-size (only with a delay), instances " + instances
        + ", intra-op-threads " + (threads.isEmpty() ? "not tuned" : threads + " (0 = as configured)");
  }
}
