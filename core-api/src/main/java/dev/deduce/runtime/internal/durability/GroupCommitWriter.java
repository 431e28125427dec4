package dev.deduce.runtime.internal.durability;

import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;

import dev.deduce.api.StoreException;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that writes to the store, many records per call: it takes what is waiting, waits at most the
 * max delay for more, then makes one append and one complete call.
 *
 * <p>Appends (DURABLE requests) fail their callers when the store fails. Results are retried with backoff; results
 * still unsaved after every retry are counted and logged (in DURABLE mode their requests stay PENDING and re-run).
 */
public final class GroupCommitWriter {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private record Append(RequestRecord record, CompletableFuture<Void> ack) {}

  private final Store store;
  private final int maxRecords;
  private final long maxDelayNanos;
  private final BlockingQueue<Object> ops;
  private final Retry resultRetry;
  private final Timer appendTimer;
  private final Timer completeTimer;
  private final Counter appendFailures;
  private final Counter completeFailures;
  private final Counter unsaved;
  private final Tracer tracer;
  private final Thread thread;
  private volatile boolean stopping;

  /** Starts the writer thread over {@code store}. */
  public GroupCommitWriter(Store store, RuntimeSettings s, RuntimeMetrics metrics, Tracer tracer) {
    this.store = store;
    this.maxRecords = s.groupCommitMaxRecords();
    this.maxDelayNanos = s.groupCommitMaxDelay().toNanos();
    this.ops = new ArrayBlockingQueue<>(s.groupCommitCapacity());
    this.tracer = tracer;
    this.appendTimer = metrics.storeWrite("append");
    this.completeTimer = metrics.storeWrite("complete");
    this.appendFailures = metrics.storeFailures("append");
    this.completeFailures = metrics.storeFailures("complete");
    this.unsaved = metrics.storeUnsaved();
    this.resultRetry = Retry.of("deduce-store", RetryConfig.custom()
        .maxAttempts(s.storeRetryMaxAttempts())
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(s.storeRetryInitialBackoff(), 2.0, 0.5,
            s.storeRetryMaxBackoff()))
        .retryExceptions(RuntimeException.class)
        // a record the store refuses as malformed fails the same way every time
        .ignoreExceptions(IllegalArgumentException.class)
        .build());
    resultRetry.getEventPublisher().onRetry(e -> completeFailures.increment());
    resultRetry.getEventPublisher().onError(e -> completeFailures.increment());
    this.thread = new Thread(this::loop, "deduce-store-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues {@code record} for the next append; the future completes once the store holds it. */
  public CompletableFuture<Void> append(RequestRecord record) {
    CompletableFuture<Void> ack = new CompletableFuture<>();
    if (!offer(new Append(record, ack))) {
      ack.completeExceptionally(new StoreException("the store writer is stopped; request " + record.requestId()
          + " was not stored, expected a running runtime"));
    }
    return ack;
  }

  /** Queues {@code result} for the next complete call. */
  public void complete(ResultRecord result) {
    if (!offer(result)) {
      unsaved.increment();
      LOG.error("store writer is stopped; result of request {} was not stored", result.requestId());
    }
  }

  /** Writes everything queued, then stops the thread; waits at most {@code timeout}. */
  public void close(Duration timeout) {
    stopping = true;
    try {
      thread.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("store writer still had {} records after {}; leaving it to finish in the background",
          ops.size(), timeout);
    }
  }

  private boolean offer(Object op) {
    // blocks when the writer is behind: bounded memory and backpressure, never a dropped record
    try {
      while (thread.isAlive()) {
        if (ops.offer(op, 50, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void loop() {
    try {
      while (!(stopping && ops.isEmpty())) {
        Object first = ops.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
        if (first == null) {
          continue;
        }
        List<Object> group = new ArrayList<>();
        group.add(first);
        ops.drainTo(group, maxRecords - 1);
        long until = System.nanoTime() + maxDelayNanos;
        while (group.size() < maxRecords && !stopping) {
          long left = until - System.nanoTime();
          if (left <= 0) {
            break;
          }
          Object next = ops.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          group.add(next);
          ops.drainTo(group, maxRecords - group.size());
        }
        write(group);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("store writer interrupted with {} records queued", ops.size());
    }
  }

  private void write(List<Object> group) {
    List<Append> appends = new ArrayList<>();
    List<ResultRecord> results = new ArrayList<>();
    for (Object o : group) {
      if (o instanceof Append a) {
        appends.add(a);
      } else {
        results.add((ResultRecord) o);
      }
    }
    if (!appends.isEmpty()) {
      writeAppends(appends);
    }
    if (!results.isEmpty()) {
      writeResults(results);
    }
  }

  private void writeAppends(List<Append> appends) {
    List<RequestRecord> records = new ArrayList<>(appends.size());
    appends.forEach(a -> records.add(a.record()));
    Span span = tracer.spanBuilder("deduce.store.append").setAttribute("deduce.records", records.size()).startSpan();
    try {
      appendTimer.record(() -> store.append(records));
      appends.forEach(a -> a.ack().complete(null));
    } catch (IllegalArgumentException e) {
      if (appends.size() > 1) {
        // the store refused one malformed record; write the group one by one so only that request fails
        appends.forEach(a -> writeAppends(List.of(a)));
        return;
      }
      appendFailures.increment();
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      appends.get(0).ack().completeExceptionally(new StoreException("the store refused request "
          + records.get(0).requestId() + ": " + e.getMessage(), e));
    } catch (RuntimeException e) {
      appendFailures.increment();
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      StoreException failure = new StoreException("could not store the request before acknowledging it: " + e
          + "; expected a working store (DURABLE mode fails requests it cannot store)", e);
      appends.forEach(a -> a.ack().completeExceptionally(failure));
    } finally {
      span.end();
    }
  }

  private void writeResults(List<ResultRecord> results) {
    Span span = tracer.spanBuilder("deduce.store.complete").setAttribute("deduce.records", results.size())
        .startSpan();
    try {
      resultRetry.executeRunnable(() -> completeTimer.record(() -> store.complete(results)));
    } catch (IllegalArgumentException e) {
      if (results.size() > 1) {
        // the store refused one malformed result; write the group one by one so the others are kept
        results.forEach(r -> writeResults(List.of(r)));
        return;
      }
      unsaved.increment();
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      LOG.error("the store refused the result of request {}: {}", results.get(0).requestId(), e.getMessage());
    } catch (RuntimeException e) {
      unsaved.increment(results.size());
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      LOG.error("could not store {} results after retrying (first request {}); DURABLE requests stay PENDING and"
          + " re-run on the next start", results.size(), results.get(0).requestId(), e);
    } finally {
      span.end();
    }
  }
}
