package dev.deduce.perf.sla;

import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives an {@link InferenceService} as Triton's perf_analyzer drives a server: {@code concurrency} callers each
 * keep one request outstanding, or, with a {@code rate}, requests go out on a fixed schedule whatever the answers
 * (latency counted from when each was due, so a slow service cannot hide its queue); after the warm-up, measurement
 * windows repeat until the last few agree (stable), the window limit or the duration is reached. Latency
 * percentiles come from HdrHistogram.
 */
public final class SlaRunner {

  /** Longest failure message kept in a result. */
  static final int MESSAGE_CHARS = 300;
  // distinct messages kept per error kind: enough to see a pattern, few enough to read
  private static final int MESSAGES_PER_KIND = 3;

  private final InferenceService service;

  /** A runner over {@code service}, which must already serve the models the SLAs name. */
  public SlaRunner(InferenceService service) {
    this.service = Objects.requireNonNull(service, "service must not be null");
  }

  /**
   * Applies the SLA's load and measures it; blocks for about the warm-up plus the measuring time.
   *
   * @throws IllegalArgumentException when the model's inputs cannot be made from the SLA (e.g. a dynamic dimension
   *                                  without {@code inputs.<name>})
   * @throws DeduceException          when the model is not served
   */
  public SlaResult run(SlaSpec spec) {
    Objects.requireNonNull(spec, "spec must not be null");
    String version = spec.version().orElse(null);
    ModelSignature signature = service.signature(spec.model(), version);
    List<NamedTensors> samples = spec.requests().map(SampleRequests::read).orElse(List.of());
    List<List<NamedTensors>> inputs = new ArrayList<>();
    for (int i = 0; i < spec.concurrency(); i++) {
      inputs.add(SlaInputs.forCaller(spec, signature, i, samples));
    }
    Load load = new Load(spec, inputs);
    load.start();
    try {
      sleepNanos(spec.warmUp().toNanos());
      load.reset();
      List<Window> windows = new ArrayList<>();
      long measuringEnd = System.nanoTime() + spec.duration().toNanos();
      boolean stable = false;
      while (windows.size() < spec.maxWindows()) {
        long left = measuringEnd - System.nanoTime();
        if (!windows.isEmpty() && left < spec.window().toNanos() / 2) {
          break; // not enough time for a meaningful window
        }
        windows.add(load.measure(Math.min(spec.window().toNanos(), Math.max(left, 1))));
        if (stable = Stability.isStable(windows, spec)) {
          break;
        }
      }
      load.stop();
      return Verdict.judge(spec, load.servedVersion(version), windows, stable, load.errorsByKind(),
          load.firstErrors());
    } finally {
      load.stop();
    }
  }

  static void sleepNanos(long nanos) {
    long end = System.nanoTime() + nanos;
    long left;
    while ((left = end - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while measuring an SLA", e);
      }
    }
  }

  /** One measurement window's raw figures. */
  record Window(long nanos, Histogram latency, Histogram queue, Histogram compute, long failed) {
  }

  /** The closed-loop callers and what they record. */
  private final class Load {
    private final SlaSpec spec;
    private final List<List<NamedTensors>> inputs;
    private final Recorder latency = new Recorder(3);
    private final Recorder queue = new Recorder(3);
    private final Recorder compute = new Recorder(3);
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    // kind -> message -> count, insertion-ordered so the first messages come first
    private final Map<String, Map<String, LongAdder>> messages = new ConcurrentHashMap<>();
    private final List<Thread> callers = new ArrayList<>();
    private final RequestOptions options;
    private volatile boolean running = true;
    private volatile boolean measuring;
    private volatile String servedVersion;
    private long windowStart;

    Load(SlaSpec spec, List<List<NamedTensors>> inputs) {
      this.spec = spec;
      this.inputs = inputs;
      this.options = RequestOptions.builder().timeout(spec.requestTimeout()).build();
    }

    void start() {
      if (spec.rate().isPresent()) {
        Thread t = new Thread(this::send, "sla-" + spec.name() + "-sender");
        t.setDaemon(true);
        callers.add(t);
        t.start();
        return;
      }
      for (int i = 0; i < spec.concurrency(); i++) {
        List<NamedTensors> in = inputs.get(i);
        Thread t = new Thread(() -> call(in), "sla-" + spec.name() + "-" + i);
        t.setDaemon(true);
        callers.add(t);
        t.start();
      }
    }

    private void call(List<NamedTensors> in) {
      String model = spec.model();
      String version = spec.version().orElse(null);
      long waitNanos = spec.requestTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
      for (int n = 0; running; n = (n + 1) % in.size()) {
        long t0 = System.nanoTime();
        try {
          InferenceResult r = service.submit(model, version, in.get(n), options).get(waitNanos,
              TimeUnit.NANOSECONDS);
          long took = System.nanoTime() - t0;
          latency.recordValue(took);
          queue.recordValue(r.queueTime().toNanos());
          compute.recordValue(r.computeTime().toNanos());
          servedVersion = r.version();
        } catch (ExecutionException e) {
          failure(e.getCause());
        } catch (TimeoutException e) {
          failed.incrementAndGet();
          count("CLIENT_TIMEOUT", "no answer within request-timeout plus 1 s");
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          failure(e);
        }
      }
    }

    /** The open loop: one request every 1/rate seconds, at most {@code concurrency} outstanding. */
    private void send() {
      List<NamedTensors> all = inputs.stream().flatMap(List::stream).toList();
      String model = spec.model();
      String version = spec.version().orElse(null);
      long waitNanos = spec.requestTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
      double interval = 1e9 / spec.rate().orElseThrow();
      AtomicInteger outstanding = new AtomicInteger();
      long first = System.nanoTime();
      for (long n = 0; running; n++) {
        long due = first + (long) (n * interval);
        // behind schedule (a slow wake-up), the due requests go at once, so the rate holds on average
        for (long left = due - System.nanoTime(); left > 0 && running; left = due - System.nanoTime()) {
          LockSupport.parkNanos(left);
        }
        if (outstanding.incrementAndGet() > spec.concurrency()) {
          outstanding.decrementAndGet();
          failed.incrementAndGet();
          count("CLIENT_BACKLOG", "concurrency = " + spec.concurrency() + " requests were outstanding when this one"
              + " was due; the service answers slower than rate = " + spec.rate().get() + " per second");
          continue;
        }
        CompletableFuture<InferenceResult> f;
        try {
          f = service.submit(model, version, all.get((int) (n % all.size())), options);
        } catch (RuntimeException e) {
          outstanding.decrementAndGet();
          failure(e);
          continue;
        }
        f.copy().orTimeout(waitNanos, TimeUnit.NANOSECONDS).whenComplete((r, e) -> {
          outstanding.decrementAndGet();
          if (r != null) {
            latency.recordValue(Math.max(0, System.nanoTime() - due));
            queue.recordValue(r.queueTime().toNanos());
            compute.recordValue(r.computeTime().toNanos());
            servedVersion = r.version();
          } else if (e instanceof TimeoutException) {
            failed.incrementAndGet();
            count("CLIENT_TIMEOUT", "no answer within request-timeout plus 1 s");
          } else {
            failure(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
          }
        });
      }
    }

    private void failure(Throwable e) {
      failed.incrementAndGet();
      count(e instanceof DeduceException de ? de.kind().name() : e.getClass().getSimpleName(),
          String.valueOf(e.getMessage()));
    }

    private void count(String kind, String message) {
      if (!measuring) {
        return;
      }
      errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
      Map<String, LongAdder> byMessage = messages.computeIfAbsent(kind,
          k -> java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>()));
      String m = message.length() > MESSAGE_CHARS ? message.substring(0, MESSAGE_CHARS - 3) + "..." : message;
      synchronized (byMessage) {
        LongAdder c = byMessage.get(m);
        if (c == null && byMessage.size() < MESSAGES_PER_KIND) {
          byMessage.put(m, c = new LongAdder());
        }
        if (c != null) {
          c.increment();
        }
      }
    }

    /** Forgets the warm-up. */
    void reset() {
      latency.reset();
      queue.reset();
      compute.reset();
      failed.set(0);
      errors.clear();
      messages.clear();
      measuring = true;
      windowStart = System.nanoTime();
    }

    Window measure(long nanos) {
      sleepNanos(windowStart + nanos - System.nanoTime());
      long end = System.nanoTime();
      Window w = new Window(end - windowStart, latency.getIntervalHistogram(), queue.getIntervalHistogram(),
          compute.getIntervalHistogram(), failed.getAndSet(0));
      windowStart = end;
      return w;
    }

    String servedVersion(String asked) {
      String v = servedVersion;
      return v != null ? v : asked == null ? "" : asked;
    }

    Map<String, Long> errorsByKind() {
      Map<String, Long> out = new TreeMap<>();
      errors.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }

    List<SlaResult.ErrorSample> firstErrors() {
      List<SlaResult.ErrorSample> out = new ArrayList<>();
      new TreeMap<>(messages).forEach((kind, byMessage) -> {
        synchronized (byMessage) {
          byMessage.forEach((m, c) -> out.add(new SlaResult.ErrorSample(kind, m, c.sum())));
        }
      });
      return out;
    }

    void stop() {
      running = false;
      for (Thread t : callers) {
        try {
          t.join(Duration.ofSeconds(1).plus(spec.requestTimeout()).toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
