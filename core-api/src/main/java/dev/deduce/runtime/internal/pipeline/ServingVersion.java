package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.ModelSignature;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.spi.LoadedModel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed model version: its instances and worker threads, its resilience and meters, and a count of the
 * requests routed to it so that retiring it lets every one of them finish before the models are closed.
 */
public final class ServingVersion {

  private static final Logger LOG = LoggerFactory.getLogger(ServingVersion.class);

  private final String model;
  private final String version;
  private final ModelSignature signature;
  private final ModelSettings settings;
  private final BatchPlan checks;
  private final String who;
  final Batcher batcher;
  final Resilience resilience;
  private final RuntimeMetrics.VersionMeters meters;
  /** Worker i runs on instances.get(i); a thread-safe model appears once per worker. */
  private final List<LoadedModel> instances;
  /** Slot i is instance i and who runs on it now; at most one run per slot, so N slots allow N concurrent runs. */
  private final Slot[] slots;
  private final ModelQueue queue;
  private final BooleanSupplier closing;
  private final AtomicLong inflight = new AtomicLong();
  private final AtomicInteger liveWorkers = new AtomicInteger();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean retired;
  /** Moving average of a successful engine run's time, 0 before the first: what a queued request can expect. */
  private volatile long runNanos;
  /** Finishes the workers' batches; null until the workers start. */
  private volatile Finisher finisher;

  /** A version serving {@code instances} (one per concurrent run) from the model's shared {@code queue}. */
  public ServingVersion(String model, String version, List<LoadedModel> instances, ModelSettings settings,
      BatchPlan checks, ModelQueue queue, RuntimeMetrics metrics, BooleanSupplier closing) {
    this.model = model;
    this.version = version;
    this.instances = List.copyOf(instances);
    this.signature = instances.get(0).signature();
    this.settings = settings;
    this.queue = queue;
    this.closing = closing;
    this.checks = checks;
    this.who = "model '" + model + "' version '" + version + "'";
    this.batcher = new Batcher(settings, signature.batched() && checks.batch());
    this.slots = new Slot[this.instances.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot(this.instances.get(i));
    }
    Runnable[] retried = new Runnable[1];
    this.resilience = new Resilience(model, version, settings, () -> retried[0].run());
    this.meters = metrics.version(model, version, resilience.breaker(), batcher.batches());
    retried[0] = meters.retries::increment;
  }

  public String model() {
    return model;
  }

  public String version() {
    return version;
  }

  /** "model 'm' version 'v'", for messages; built once, as batches name it on every run. */
  String who() {
    return who;
  }

  public ModelSignature signature() {
    return signature;
  }

  public ModelSettings settings() {
    return settings;
  }

  /** What the deploy-time checks found. */
  public BatchPlan checks() {
    return checks;
  }

  /** Whether requests share engine runs: batching on, a batchable signature, and invariant answers. */
  public boolean batches() {
    return batcher.batches();
  }

  /** Whether the circuit breaker would let a batch run now (takes no permit). */
  public boolean breakerPermits() {
    return resilience.permits();
  }

  /**
   * How long a request arriving behind {@code queued} others would take to finish, by the average run time so far:
   * each round runs one batch on every instance. 0 before any run, so no prediction is made without evidence.
   */
  public long predictedWaitNanos(int queued) {
    long run = runNanos;
    if (run == 0) {
      return 0;
    }
    long perRound = (long) slots.length * (batcher.batches() ? batcher.maxRows() : 1);
    return (queued / Math.max(1, perRound) + 1) * run;
  }

  /** A batch ran successfully in {@code nanos}. */
  void ran(long nanos) {
    long run = runNanos;
    runNanos = run == 0 ? Math.max(1, nanos) : (7 * run + nanos) / 8; // unsynchronised: a lost update only lags
  }

  RuntimeMetrics.VersionMeters meters() {
    return meters;
  }

  /** Starts one worker per instance; each takes batches from the model queue and runs them with {@code runner}. */
  public void start(BatchRunner runner) {
    finisher = new Finisher("deduce-" + model + "-" + version + "-finish");
    liveWorkers.set(instances.size());
    for (int i = 0; i < slots.length; i++) {
      Slot slot = slots[i];
      Thread t = new Thread(() -> work(runner, slot), "deduce-" + model + "-" + version + "-" + i);
      t.setDaemon(true);
      t.start();
    }
  }

  /** Routes one more request here; false when the version is retired (the caller picks another). */
  public boolean acquire() {
    inflight.incrementAndGet();
    if (retired) {
      release();
      return false;
    }
    return true;
  }

  /**
   * A routed request finished. {@link Request} calls this once it started; admission calls it for a request it
   * refuses before starting one (bad input, a repeated idempotency key).
   */
  public void release() {
    if (inflight.decrementAndGet() == 0 && retired) {
      queue.wake();
    }
  }

  /** Stops routing new requests here; the models close once every routed request has finished. */
  public CompletableFuture<Void> retire() {
    retired = true;
    queue.wake();
    return closed;
  }

  boolean drained() {
    return retired && inflight.get() == 0;
  }

  /** Send batches at once rather than wait for them to fill: nothing new is coming. */
  boolean flushing() {
    return retired || closing.getAsBoolean();
  }

  Slot[] slots() {
    return slots;
  }

  /**
   * Whether a request that finds the queue empty and a slot idle may run at once on its caller's thread: true when
   * the batcher would send it alone anyway (batching off, or no queue delay to wait for company).
   */
  public boolean callerMayRun() {
    return batcher.sendsAloneAtOnce();
  }

  private void work(BatchRunner runner, Slot slot) {
    try {
      List<Request> batch;
      while ((batch = queue.nextBatch(this, slot)) != null) {
        try {
          runner.run(this, slot, batch);
        } finally {
          slot.workerDone();
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("worker of model '{}' version '{}' stopped unexpectedly", model, version, e);
    } finally {
      if (liveWorkers.decrementAndGet() == 0) {
        closeInstances();
      }
    }
  }

  /** Where a worker hands a finished batch, or null (not started: finish on the calling thread). */
  Finisher finisher() {
    return finisher;
  }

  /**
   * Whether a full batch already waits, so the worker gains by starting it before it finishes the last one. When
   * none does, the worker finishes its batch itself: its callers come back meanwhile and the next batch fills.
   */
  boolean fullBatchWaiting() {
    return queue.holds(this, (int) Math.min(Integer.MAX_VALUE, batcher.maxRows()));
  }

  private void closeInstances() {
    finisher.stop();
    Set<LoadedModel> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    distinct.addAll(instances);
    for (LoadedModel m : distinct) {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("closing model '{}' version '{}' failed", model, version, e);
      }
    }
    meters.retire();
    closed.complete(null);
  }

  /**
   * One instance and who runs on it: idle, its worker, or a caller running its own request. Every transition is a
   * method here. The queue lock guards each but one: the worker frees its slot without it, which can only make a
   * caller see the slot busy a moment too long.
   */
  public static final class Slot {
    private static final int IDLE = 0;
    private static final int WORKER = 1;
    private static final int CALLER = 2;

    final LoadedModel model;
    private volatile int state = IDLE;

    Slot(LoadedModel model) {
      this.model = model;
    }

    /** Under the queue lock: claims an idle slot for a caller; false when busy. */
    boolean claimForCaller() {
      if (state != IDLE) {
        return false;
      }
      state = CALLER;
      return true;
    }

    /** Under the queue lock: whether a caller runs here, so the worker must wait before it takes a batch. */
    boolean heldByCaller() {
      return state == CALLER;
    }

    /** Under the queue lock: the worker takes the slot to run a batch. */
    void claimForWorker() {
      state = WORKER;
    }

    /** Under the queue lock: the caller is done. */
    void callerDone() {
      state = IDLE;
    }

    /** The worker finished its batch. */
    void workerDone() {
      state = IDLE;
    }
  }
}
