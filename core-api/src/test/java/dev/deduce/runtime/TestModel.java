package dev.deduce.runtime;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.LoadedModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * A real model wrapped for failure injection and observation: it counts runs, records batch rows, can hold a chosen
 * run until released, and throws the exception {@code failure} picks for a run number.
 */
final class TestModel implements LoadedModel {

  final AtomicInteger calls = new AtomicInteger();
  final List<Long> batchRows = Collections.synchronizedList(new ArrayList<>());
  final AtomicBoolean closed = new AtomicBoolean();
  /** The thread of every run, in run order. */
  final List<String> threads = Collections.synchronizedList(new ArrayList<>());
  /** The most runs that were ever inside this model at once. */
  final AtomicInteger maxConcurrent = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  final CountDownLatch held = new CountDownLatch(1);
  private final LoadedModel inner;
  private final ModelSignature signature;
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile int holdCall;
  private volatile BiFunction<Integer, NamedTensors, RuntimeException> failure = (n, in) -> null;

  TestModel(LoadedModel inner) {
    this(inner, inner.signature());
  }

  TestModel(LoadedModel inner, ModelSignature signature) {
    this.inner = inner;
    this.signature = signature;
  }

  /** Run number {@code n} (1-based) waits in the engine until {@link #release()}. */
  TestModel holdCall(int n) {
    holdCall = n;
    return this;
  }

  /** Run number n throws {@code failure.apply(n)} when that is not null. */
  TestModel failing(IntFunction<RuntimeException> f) {
    failure = (n, in) -> f.apply(n);
    return this;
  }

  /** Run number n on {@code inputs} throws {@code failure.apply(n, inputs)} when that is not null. */
  TestModel failingOn(BiFunction<Integer, NamedTensors, RuntimeException> f) {
    failure = f;
    return this;
  }

  void release() {
    release.countDown();
  }

  /** Waits until the held run has started. */
  void awaitHeld() throws InterruptedException {
    if (!held.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the held run never started");
    }
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    maxConcurrent.accumulateAndGet(running.incrementAndGet(), Math::max);
    try {
      return observedRun(inputs);
    } finally {
      running.decrementAndGet();
    }
  }

  private NamedTensors observedRun(NamedTensors inputs) {
    threads.add(Thread.currentThread().getName());
    int n = calls.incrementAndGet();
    batchRows.add(inputs.asMap().values().iterator().next().dim(0));
    if (n == holdCall) {
      held.countDown();
      try {
        if (!release.await(20, TimeUnit.SECONDS)) {
          throw new IllegalStateException("test never released the held run");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    RuntimeException f = failure.apply(n, inputs);
    if (f != null) {
      throw f;
    }
    return inner.run(inputs);
  }

  @Override
  public void close() {
    closed.set(true);
    inner.close();
  }
}
