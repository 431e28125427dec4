package dev.deduce.runtime.internal.durability;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.StoreException;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results on their way into the store. Any thread offers; only the writer thread writes. A result is held until
 * the store has it: a failing store is retried with backoff for as long as it fails (never dropped), and the number
 * held is bounded, so a store that stays down turns new results into clear errors instead of lost ones.
 */
final class ResultQueue {

  private static final Logger LOG = LoggerFactory.getLogger(ResultQueue.class);

  /** A result and, in DURABLE mode, its request's append: the result may only follow it into the store. */
  record Result(ResultRecord record, CompletableFuture<Void> appended, long offeredNanos) {}

  private final Store store;
  private final int capacity;
  private final int maxRecords;
  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final int unhealthyAfter;
  private final Timer timer;
  private final Counter failures;
  private final Counter unsaved;
  private final Tracer tracer;
  private final ConcurrentLinkedQueue<Result> incoming = new ConcurrentLinkedQueue<>();
  /** Accepted and not yet stored (incoming plus backlog): the memory bound. */
  private final AtomicInteger held = new AtomicInteger();
  private final Object room = new Object();
  /** Writer thread only: results taken from incoming but not stored yet, oldest first. */
  private final ArrayDeque<Result> backlog = new ArrayDeque<>();
  private long retryAtNanos;
  private long backoffNanos;
  private volatile int failedInARow;
  private volatile long failingSinceNanos;
  private volatile String lastError;

  ResultQueue(Store store, int capacity, int maxRecords, Duration initialBackoff, Duration maxBackoff,
      int unhealthyAfter, Timer timer, Counter failures, Counter unsaved, Tracer tracer) {
    this.store = store;
    this.capacity = capacity;
    this.maxRecords = maxRecords;
    this.initialBackoffNanos = initialBackoff.toNanos();
    this.maxBackoffNanos = maxBackoff.toNanos();
    this.unhealthyAfter = unhealthyAfter;
    this.timer = timer;
    this.failures = failures;
    this.unsaved = unsaved;
    this.tracer = tracer;
    this.backoffNanos = initialBackoffNanos;
  }

  /**
   * Holds {@code r} for the store, waiting for room until {@code waitUntilNanos} while the store keeps up; null when
   * held, else why not (the caller must not be told its result is stored).
   */
  StoreException offer(Result r, long waitUntilNanos) {
    while (true) {
      int h = held.get();
      if (h < capacity) {
        if (held.compareAndSet(h, h + 1)) {
          incoming.add(r);
          return null;
        }
        continue;
      }
      long left = waitUntilNanos - System.nanoTime();
      // a failing store frees no room: waiting would only hold the caller's thread (a worker) hostage
      if (left <= 0 || failedInARow > 0) {
        return new StoreException("the result of request " + r.record().requestId() + " was not stored: " + h
            + " results already wait for the store (store.group-commit-capacity)" + lastErrorClause()
            + "; expected a store that keeps up");
      }
      synchronized (room) {
        try {
          room.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 10)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new StoreException("interrupted while waiting to store the result of request "
              + r.record().requestId());
        }
      }
    }
  }

  /**
   * Holds {@code r} whatever the room: a result that was to be stored with its request and is stored after it
   * instead. Its request is still unacknowledged, so at most one append group of them is ever added this way.
   */
  void requeue(Result r) {
    held.incrementAndGet();
    incoming.add(r);
  }

  /** Results accepted and not yet stored. */
  int held() {
    return held.get();
  }

  boolean isEmpty() {
    return held.get() == 0;
  }

  /** When the oldest result held was offered; {@code now} when none is held. Writer thread only. */
  long oldestOfferedNanos(long now) {
    Result oldest = backlog.peekFirst();
    if (oldest == null) {
      oldest = incoming.peek();
    }
    return oldest == null ? now : oldest.offeredNanos();
  }

  /** Whether a write is worth trying now (something new to write, or a retry that is due). */
  boolean due(long nowNanos) {
    if (failedInARow > 0) {
      return nowNanos - retryAtNanos >= 0;
    }
    return !incoming.isEmpty() || !backlog.isEmpty();
  }

  /** How long the writer may sleep before {@link #due} can turn true without an offer; MAX_VALUE = until an offer. */
  long nanosUntilRetry(long nowNanos) {
    return failedInARow > 0 ? Math.max(0, retryAtNanos - nowNanos) : Long.MAX_VALUE;
  }

  /**
   * Writes one group: the backlog first, then new results, leaving out those whose append is not stored yet (kept
   * for a later group) and dropping those whose append failed (their callers were told, nothing is stored).
   */
  void writeGroup() {
    for (Result r; backlog.size() < maxRecords && (r = incoming.poll()) != null; ) {
      backlog.add(r);
    }
    List<Result> group = new ArrayList<>(Math.min(backlog.size(), maxRecords));
    int n = backlog.size();
    for (int i = 0; i < n && group.size() < maxRecords; i++) {
      Result r = backlog.poll();
      CompletableFuture<Void> a = r.appended();
      if (a == null || (a.isDone() && !a.isCompletedExceptionally())) {
        group.add(r);
      } else if (a.isDone()) {
        release(1);
      } else {
        backlog.add(r); // its append is still queued: a result never reaches the store before its request
      }
    }
    if (group.isEmpty()) {
      return;
    }
    List<ResultRecord> records = new ArrayList<>(group.size());
    group.forEach(r -> records.add(r.record()));
    if (write(records)) {
      release(group.size());
    } else {
      // back in front, in order, for the retry
      for (int i = group.size() - 1; i >= 0; i--) {
        backlog.addFirst(group.get(i));
      }
    }
  }

  /** Makes a retry due at once: a close writes what it holds before it gives up on a failing store. */
  void retryNow() {
    retryAtNanos = System.nanoTime();
  }

  /** Why health is not ready, if the store keeps failing result writes. */
  String problem() {
    int failed = failedInARow;
    if (failed < unhealthyAfter) {
      return null;
    }
    long forMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failingSinceNanos);
    return "the store failed the last " + failed + " result writes over " + forMillis + " ms" + lastErrorClause()
        + "; " + held.get() + " results are held in memory (at most " + capacity + ") and retried until it works";
  }

  /** Takes every result not yet stored, for a close that cannot wait for the store any longer. */
  List<Result> abandon() {
    List<Result> left = new ArrayList<>(backlog);
    backlog.clear();
    for (Result r; (r = incoming.poll()) != null; ) {
      left.add(r);
    }
    release(left.size());
    return left;
  }

  private boolean write(List<ResultRecord> records) {
    Span span = tracer.spanBuilder("deduce.store.complete").setAttribute("deduce.records", records.size())
        .startSpan();
    try {
      timer.record(() -> store.complete(records));
      healthy();
      return true;
    } catch (IllegalArgumentException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      if (records.size() > 1) {
        // the store refused one malformed result; write the group one by one so the others are kept
        records.forEach(r -> write(List.of(r)));
      } else {
        refused(records.get(0), e);
      }
      return true;
    } catch (RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      failed(records, e);
      return false;
    } finally {
      span.end();
    }
  }

  /** A result the store refuses can never be stored; its request is recorded FAILED so it is not re-run forever. */
  private void refused(ResultRecord r, IllegalArgumentException e) {
    failures.increment();
    if (r.status() == dev.deduce.api.RequestStatus.DONE) {
      ResultRecord instead = ResultRecord.failed(r.request(), r.version(), ErrorKind.STORE,
          "the store refused the result: " + e.getMessage(), r.completedAt(), r.attempts());
      try {
        store.complete(List.of(instead));
        LOG.error("the store refused the result of request {} ({}); it is stored as FAILED instead",
            r.requestId(), e.getMessage());
        return;
      } catch (RuntimeException again) {
        e.addSuppressed(again);
      }
    }
    unsaved.increment();
    LOG.error("the store refused the result of request {}; it is not stored: {}", r.requestId(), e.getMessage(), e);
  }

  private void failed(List<ResultRecord> records, RuntimeException e) {
    failures.increment();
    long now = System.nanoTime();
    if (failedInARow == 0) {
      failingSinceNanos = now;
      backoffNanos = initialBackoffNanos;
    } else {
      backoffNanos = Math.min(maxBackoffNanos, backoffNanos * 2);
    }
    failedInARow++;
    lastError = String.valueOf(e.getMessage());
    retryAtNanos = now + backoffNanos;
    if (failedInARow == unhealthyAfter) {
      LOG.error("the store failed {} result writes in a row (first request {}); {} results are held and retried"
          + " every {} ms at most", failedInARow, records.get(0).requestId(), held.get(),
          TimeUnit.NANOSECONDS.toMillis(maxBackoffNanos), e);
    } else {
      LOG.debug("result write failed, retrying in {} ms", TimeUnit.NANOSECONDS.toMillis(backoffNanos), e);
    }
  }

  private void healthy() {
    if (failedInARow > 0) {
      LOG.info("the store takes results again after {} failed writes", failedInARow);
      failedInARow = 0;
      lastError = null;
    }
  }

  private void release(int n) {
    held.addAndGet(-n);
    synchronized (room) {
      room.notifyAll();
    }
  }

  private String lastErrorClause() {
    String e = lastError;
    return e == null ? "" : " (the store fails with: " + e + ")";
  }
}
