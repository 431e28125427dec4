package dev.deduce.runtime;

import dev.deduce.api.ModelSignature;
import dev.deduce.spi.LoadedModel;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.Collections;
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
final class ServingVersion {

  private static final Logger LOG = LoggerFactory.getLogger(ServingVersion.class);

  final String model;
  final String version;
  final ModelSignature signature;
  final ModelSettings settings;
  final Batcher batcher;
  final Resilience resilience;
  final RuntimeMetrics.VersionMeters meters;
  /** Worker i runs on instances.get(i); a thread-safe model appears once per worker. */
  private final List<LoadedModel> instances;
  private final ModelQueue queue;
  private final BooleanSupplier closing;
  private final AtomicLong inflight = new AtomicLong();
  private final AtomicInteger liveWorkers = new AtomicInteger();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean retired;

  ServingVersion(String model, String version, List<LoadedModel> instances, ModelSettings settings, ModelQueue queue,
      RuntimeMetrics metrics, BooleanSupplier closing) {
    this.model = model;
    this.version = version;
    this.instances = List.copyOf(instances);
    this.signature = instances.get(0).signature();
    this.settings = settings;
    this.queue = queue;
    this.closing = closing;
    this.batcher = new Batcher(settings, signature.batched());
    Runnable[] retried = new Runnable[1];
    this.resilience = new Resilience(model, version, settings, () -> retried[0].run());
    this.meters = metrics.version(model, version, resilience.breaker());
    retried[0] = meters.retries::increment;
  }

  /** Starts one worker per instance; each takes batches from the model queue and runs them with {@code runner}. */
  void start(BatchRunner runner) {
    liveWorkers.set(instances.size());
    for (int i = 0; i < instances.size(); i++) {
      LoadedModel instance = instances.get(i);
      Thread t = new Thread(() -> work(runner, instance), "deduce-" + model + "-" + version + "-" + i);
      t.setDaemon(true);
      t.start();
    }
  }

  /** Routes one more request here; false when the version is retired (the caller picks another). */
  boolean acquire() {
    inflight.incrementAndGet();
    if (retired) {
      release();
      return false;
    }
    return true;
  }

  /** A routed request finished (in any way). */
  void release() {
    if (inflight.decrementAndGet() == 0 && retired) {
      queue.wake();
    }
  }

  /** Stops routing new requests here; the models close once every routed request has finished. */
  CompletableFuture<Void> retire() {
    retired = true;
    queue.wake();
    return closed;
  }

  boolean retired() {
    return retired;
  }

  boolean drained() {
    return retired && inflight.get() == 0;
  }

  /** Send batches at once rather than wait for them to fill: nothing new is coming. */
  boolean flushing() {
    return retired || closing.getAsBoolean();
  }

  CompletableFuture<Void> closedFuture() {
    return closed;
  }

  private void work(BatchRunner runner, LoadedModel instance) {
    try {
      List<Request> batch;
      while ((batch = queue.nextBatch(this)) != null) {
        runner.run(this, instance, batch);
      }
    } catch (RuntimeException | Error e) {
      LOG.error("worker of model '{}' version '{}' stopped unexpectedly", model, version, e);
    } finally {
      if (liveWorkers.decrementAndGet() == 0) {
        closeInstances();
      }
    }
  }

  private void closeInstances() {
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
}
