package dev.deduce.samples.quickstart;

import dev.deduce.api.DeduceException;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.engine.Tolerance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Sends the quickstart's requests from concurrent callers, each waiting for its answer before sending the next, and
 * checks every answer against the model's pure-Java oracle.
 */
final class Load {

  /**
   * What the callers saw.
   *
   * @param latencyNanos  submit-to-answer times of the successful requests, in nanoseconds (3 significant digits)
   * @param failures      failed requests by kind
   * @param wrong         answers that differ from the oracle beyond the engine contract's tolerance
   * @param firstWrong    what was wrong with the first of them, or null
   * @param batchSizes    how many requests ran in a batch of each size (index = batch size)
   * @param retried       requests that took more than one engine run
   * @param elapsedNanos  wall time from the first submit to the last answer
   * @param probe         the first successful result, or null
   * @param probeAtNanos  {@link System#nanoTime()} when the probe's answer came back (0 when there is none)
   */
  record Outcome(Histogram latencyNanos, Map<ErrorKind, Integer> failures, int wrong, String firstWrong,
      int[] batchSizes, int retried, long elapsedNanos, InferenceResult probe, long probeAtNanos) {

    int succeeded() {
      return (int) latencyNanos.getTotalCount();
    }

    int failed() {
      return failures.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private final InferenceService service;
  private final int requests;
  private final int concurrency;
  private final Progress progress;

  Load(InferenceService service, int requests, int concurrency, Progress progress) {
    this.service = service;
    this.requests = requests;
    this.concurrency = concurrency;
    this.progress = progress;
  }

  Outcome run() throws InterruptedException {
    // callers record concurrently; one interval histogram is taken once they are done
    Recorder latency = new Recorder(3);
    boolean[] ok = new boolean[requests];
    int[] batchOf = new int[requests];
    int[] attempts = new int[requests];
    ErrorKind[] kinds = new ErrorKind[requests];
    AtomicInteger wrong = new AtomicInteger();
    AtomicReference<String> firstWrong = new AtomicReference<>();
    AtomicReference<InferenceResult> probe = new AtomicReference<>();
    AtomicLong probeAt = new AtomicLong();
    AtomicInteger next = new AtomicInteger();
    ExecutorService callers = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "quickstart-caller");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < concurrency; c++) {
        running.add(callers.submit(() -> {
          for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
            NamedTensors inputs = QuickstartModel.inputs(i);
            long t0 = System.nanoTime();
            try {
              InferenceResult r = service.infer(QuickstartModel.NAME, inputs);
              latency.recordValue(System.nanoTime() - t0);
              ok[i] = true;
              batchOf[i] = r.batchSize();
              attempts[i] = r.attempts();
              if (probe.compareAndSet(null, r)) {
                probeAt.set(System.nanoTime());
              }
              try {
                Tolerance.assertMatches(r.outputs(), QuickstartModel.MODEL.expected(inputs), "request " + i);
              } catch (AssertionError mismatch) {
                wrong.incrementAndGet();
                firstWrong.compareAndSet(null, mismatch.getMessage());
              }
            } catch (DeduceException e) {
              kinds[i] = e.kind();
            }
            progress.completed(ok[i]);
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("a caller thread failed: " + e.getCause(), e.getCause());
        }
      }
    } finally {
      callers.shutdownNow();
    }
    long elapsed = System.nanoTime() - start;
    Map<ErrorKind, Integer> failures = new EnumMap<>(ErrorKind.class);
    int[] sizes = new int[QuickstartModel.MAX_BATCH + 1];
    int retried = 0;
    for (int i = 0; i < requests; i++) {
      if (ok[i]) {
        if (batchOf[i] >= sizes.length) {
          sizes = Arrays.copyOf(sizes, batchOf[i] + 1);
        }
        sizes[batchOf[i]]++;
        retried += attempts[i] > 1 ? 1 : 0;
      } else {
        failures.merge(kinds[i], 1, Integer::sum);
      }
    }
    return new Outcome(latency.getIntervalHistogram(), failures, wrong.get(), firstWrong.get(), sizes, retried,
        elapsed, probe.get(), probeAt.get());
  }
}
