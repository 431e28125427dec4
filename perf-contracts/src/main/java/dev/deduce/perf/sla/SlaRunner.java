package dev.deduce.perf.sla;

import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.modelkit.ReferenceModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives an {@link InferenceService} as Triton's perf_analyzer drives a server: {@code concurrency} callers each
 * keep one request outstanding; after the warm-up, measurement windows repeat until the last few agree (stable), the
 * window limit or the duration is reached. Latency percentiles come from HdrHistogram.
 */
public final class SlaRunner {

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
    List<NamedTensors> inputs = new ArrayList<>();
    for (int i = 0; i < spec.concurrency(); i++) {
      inputs.add(inputs(spec, signature, i));
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
      return Verdict.judge(spec, load.servedVersion(version), windows, stable, load.errorsByKind());
    } finally {
      load.stop();
    }
  }

  /** One request's inputs for caller {@code caller}: seeded, so runs are repeatable. */
  static NamedTensors inputs(SlaSpec spec, ModelSignature signature, int caller) {
    Map<String, long[]> shapes = spec.inputShapes();
    for (String name : shapes.keySet()) {
      if (signature.input(name).isEmpty()) {
        throw new IllegalArgumentException("SLA " + spec.name() + ": inputs." + name + " names no input of model '"
            + spec.model() + "'; expected one of " + signature.inputs().stream().map(TensorSpec::name).toList());
      }
    }
    SplittableRandom random = new SplittableRandom(0x5eedL * 31 + caller);
    NamedTensors.Builder b = NamedTensors.builder();
    for (TensorSpec in : signature.inputs()) {
      long[] shape = shapes.containsKey(in.name()) ? shapes.get(in.name()) : in.shape();
      if (shape.length != in.rank()) {
        throw new IllegalArgumentException("SLA " + spec.name() + ": inputs." + in.name() + " is "
            + Arrays.toString(shape) + "; expected rank " + in.rank() + " like the model's " + in);
      }
      if (signature.batched() || shape[0] < 0) {
        shape[0] = spec.batch();
      }
      for (int d = 1; d < shape.length; d++) {
        if (shape[d] < 0) {
          throw new IllegalArgumentException("SLA " + spec.name() + ": input '" + in.name() + "' of model '"
              + spec.model() + "' has dynamic dimension " + d + " (" + in + "); expected its shape in the SLA, e.g."
              + " inputs { " + in.name() + " = " + Arrays.toString(example(in.shape(), spec.batch())) + " }");
        }
      }
      b.put(in.name(), ReferenceModel.random(in.dtype(), shape, random));
    }
    return b.build();
  }

  private static long[] example(long[] shape, int batch) {
    long[] e = shape.clone();
    e[0] = batch;
    for (int i = 1; i < e.length; i++) {
      if (e[i] < 0) {
        e[i] = 8;
      }
    }
    return e;
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
    private final List<NamedTensors> inputs;
    private final Recorder latency = new Recorder(3);
    private final Recorder queue = new Recorder(3);
    private final Recorder compute = new Recorder(3);
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final List<Thread> callers = new ArrayList<>();
    private final RequestOptions options;
    private volatile boolean running = true;
    private volatile boolean measuring;
    private volatile String servedVersion;
    private long windowStart;

    Load(SlaSpec spec, List<NamedTensors> inputs) {
      this.spec = spec;
      this.inputs = inputs;
      this.options = RequestOptions.builder().timeout(spec.requestTimeout()).build();
    }

    void start() {
      for (int i = 0; i < spec.concurrency(); i++) {
        NamedTensors in = inputs.get(i);
        Thread t = new Thread(() -> call(in), "sla-" + spec.name() + "-" + i);
        t.setDaemon(true);
        callers.add(t);
        t.start();
      }
    }

    private void call(NamedTensors in) {
      String model = spec.model();
      String version = spec.version().orElse(null);
      long waitNanos = spec.requestTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
      while (running) {
        long t0 = System.nanoTime();
        try {
          InferenceResult r = service.submit(model, version, in, options).get(waitNanos, TimeUnit.NANOSECONDS);
          long took = System.nanoTime() - t0;
          latency.recordValue(took);
          queue.recordValue(r.queueTime().toNanos());
          compute.recordValue(r.computeTime().toNanos());
          servedVersion = r.version();
        } catch (ExecutionException e) {
          failure(e.getCause() instanceof DeduceException de ? de.kind().name()
              : e.getCause().getClass().getSimpleName());
        } catch (TimeoutException e) {
          failure("CLIENT_TIMEOUT");
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          failure(e instanceof DeduceException de ? de.kind().name() : e.getClass().getSimpleName());
        }
      }
    }

    private void failure(String kind) {
      failed.incrementAndGet();
      if (measuring) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
      }
    }

    /** Forgets the warm-up. */
    void reset() {
      latency.reset();
      queue.reset();
      compute.reset();
      failed.set(0);
      errors.clear();
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
