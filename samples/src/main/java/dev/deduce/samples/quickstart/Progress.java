package dev.deduce.samples.quickstart;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shows how far the load has got: a bar redrawn in place on a terminal, a line every tenth of the way otherwise (a
 * pipe or a log file would fill with carriage returns).
 */
final class Progress implements AutoCloseable {

  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean terminal;
  private final int total;
  private final long startNanos = System.nanoTime();
  private final AtomicInteger done = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final ScheduledExecutorService ticker;
  private int lastTenth;
  private boolean finished;

  Progress(PrintStream out, boolean terminal, int total) {
    this.out = out;
    this.terminal = terminal;
    this.total = total;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "quickstart-progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::tick, 0, terminal ? 100 : 250, TimeUnit.MILLISECONDS);
  }

  void completed(boolean ok) {
    done.incrementAndGet();
    if (!ok) {
      failed.incrementAndGet();
    }
  }

  private synchronized void tick() {
    if (finished) {
      return;
    }
    int n = done.get();
    if (terminal) {
      out.print("\r" + line(n));
      out.flush();
    } else if (n * 10L / total > lastTenth) {
      lastTenth = (int) (n * 10L / total);
      out.println(line(n));
    }
  }

  private String line(int n) {
    int filled = (int) ((long) n * WIDTH / total);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
    String rate = seconds > 0 ? String.format(Locale.ROOT, "%,.0f req/s", n / seconds) : "";
    int f = failed.get();
    return String.format(Locale.ROOT, "  [%s] %,d/%,d %3d%%  %s%s", bar, n, total, n * 100L / total, rate,
        f > 0 ? String.format(Locale.ROOT, "  %,d failed", f) : "");
  }

  /** Stops updating and leaves the final state on its own line. */
  @Override
  public synchronized void close() {
    if (finished) {
      return;
    }
    ticker.shutdownNow();
    int n = done.get();
    if (terminal) {
      out.println("\r" + line(n));
    } else if (n * 10L / total > lastTenth || n == 0) {
      out.println(line(n));
    }
    finished = true;
  }
}
