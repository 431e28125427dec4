package dev.deduce.runtime.internal.durability;

import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.StoreException;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that writes to the store, many records per call. It writes as soon as it has something and the
 * store is free: what arrives while one group is in the store forms the next group, so groups grow with the load and
 * no record waits for others that may never come ({@link GroupWait} has the only waits, for what is sure to come
 * soon). Appends (DURABLE requests, which callers wait for) go first; one group of results follows each group of
 * appends, and only after its request's append is stored. A request that computed while its append waited for the
 * store is stored with its result in one write (see {@link Append}).
 *
 * <p>A failed append fails its request. A failed result write is kept and retried with backoff until the store
 * takes it, without holding up appends; results are bounded by {@code store.group-commit-capacity}.
 */
public final class GroupCommitWriter {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long RESULTS_MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Store store;
  private final int maxRecords;
  private final GroupWait wait;
  private final ArrayBlockingQueue<Append> appends;
  private final ResultQueue results;
  private final Timer appendTimer;
  private final Timer appendDoneTimer;
  private final Counter appendDoneFailures;
  private final Counter appendFailures;
  private final Counter unsaved;
  private final Tracer tracer;
  private final Semaphore work = new Semaphore(0);
  /** DURABLE submits between admission and their append: the only records a group may usefully wait for. */
  private final AtomicInteger arriving = new AtomicInteger();
  /** Offers under way: the loop ends only when stopping and none is, so no offer is stranded after it ends. */
  private final AtomicInteger offering = new AtomicInteger();
  private final Thread thread;
  /** The appends in the store call under way, so a close that gives up on a stalled store can fail them. */
  private volatile List<Append> writing = List.of();
  private volatile boolean stopping;
  /** Writer thread only: when the last append call ended and how long it took. */
  private long appendsEndNanos;
  private long appendsTookNanos;

  /** Starts the writer thread over {@code store}. */
  public GroupCommitWriter(Store store, RuntimeSettings s, RuntimeMetrics metrics, Tracer tracer) {
    this.store = store;
    this.maxRecords = s.groupCommitMaxRecords();
    this.appends = new ArrayBlockingQueue<>(s.groupCommitCapacity());
    this.wait = new GroupWait(appends, arriving, maxRecords, s.groupCommitMaxDelay().toNanos(),
        s.groupCommitResultWait().toNanos(), () -> stopping);
    this.tracer = tracer;
    this.appendTimer = metrics.storeWrite("append");
    this.appendDoneTimer = metrics.storeWrite("append_done");
    this.appendDoneFailures = metrics.storeFailures("append_done");
    this.appendFailures = metrics.storeFailures("append");
    this.unsaved = metrics.storeUnsaved();
    this.results = new ResultQueue(store, s.groupCommitCapacity(), maxRecords, s.storeRetryInitialBackoff(),
        s.storeRetryMaxBackoff(), s.storeRetryMaxAttempts(), metrics.storeWrite("complete"),
        metrics.storeFailures("complete"), unsaved, tracer);
    metrics.storeBacklog(this, w -> w.results.held());
    this.thread = new Thread(this::loop, "deduce-store-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** A DURABLE submit on its way to {@link #append}; one thread's, ended once by {@link #arrived()}. */
  public final class Arrival {
    private boolean arrived;

    private Arrival() {
      arriving.incrementAndGet();
    }

    /** The submit has appended or given up: a group no longer waits for it. Idempotent. */
    public void arrived() {
      if (!arrived) {
        arrived = true;
        arriving.decrementAndGet();
      }
    }
  }

  /** Counts a DURABLE submit as on its way, so a group being gathered may wait for its append. */
  public Arrival arriving() {
    return new Arrival();
  }

  /**
   * Queues {@code record} for the next append, waiting for room until {@code deadlineNanos} (System.nanoTime) when
   * the writer is full; {@link Append#stored()} tells when the store holds it. {@code resultDueNanos} is when the
   * model's recent runs say its result will be ready: the group waits for it only if that is soon.
   */
  public Append append(RequestRecord record, long deadlineNanos, long resultDueNanos) {
    Append a = new Append(record, deadlineNanos, resultDueNanos);
    offering.incrementAndGet();
    try {
      if (stopping) {
        a.stored.completeExceptionally(stopped("request " + record.requestId() + " was not stored"));
        return a;
      }
      long left = deadlineNanos - System.nanoTime();
      if (!appends.offer(a, Math.max(0, left), TimeUnit.NANOSECONDS)) {
        a.stored.completeExceptionally(new DeadlineExceededException("request " + record.requestId()
            + " was not stored: the store writer stayed full (" + appends.size() + " requests waiting) until the"
            + " request's deadline, so it was not acknowledged; expected a store that keeps up"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      a.stored.completeExceptionally(new StoreException("interrupted while queueing request " + record.requestId()
          + " for the store"));
    } finally {
      offering.decrementAndGet();
    }
    work.release();
    return a;
  }

  /**
   * Hands {@code result} to the store after {@code appended} (its request's append; null when there is none),
   * waiting for room until {@code waitUntilNanos} while the store keeps up. A result that arrives before the writer
   * has taken its append is stored with it, in one write.
   *
   * @return null when the result will be stored (or need not be: its append failed); otherwise why it will not
   */
  public StoreException complete(ResultRecord result, Append appended, long waitUntilNanos) {
    offering.incrementAndGet();
    boolean queued = false;
    try {
      if (stopping) {
        return stopped("the result of request " + result.requestId() + " was not stored");
      }
      if (appended != null && appended.attach(result)) {
        return null;
      }
      queued = true;
      StoreException refused = results.offer(new ResultQueue.Result(result,
          appended == null ? null : appended.stored, System.nanoTime()), waitUntilNanos);
      if (refused != null) {
        unsaved.increment();
      }
      return refused;
    } finally {
      offering.decrementAndGet();
      if (queued || stopping) {
        work.release();
      }
    }
  }

  /** Why the store is not healthy for results, if it is not: the health reason. */
  public String problem() {
    return results.problem();
  }

  /**
   * Stops taking records, writes everything taken, then stops the thread, waiting at most {@code timeout}. What is
   * still unwritten then is failed (appends) or counted unsaved and logged (results), never left waiting.
   */
  public void close(Duration timeout) {
    stopping = true;
    work.release();
    try {
      thread.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      return;
    }
    // the store is stalled: the thread may still finish its current call, but nothing else is handed to it
    thread.interrupt();
    List<Append> left = new ArrayList<>(writing);
    appends.drainTo(left);
    left.forEach(a -> a.stored.completeExceptionally(stopped("request " + a.record.requestId()
        + " was not stored within the drain timeout of " + timeout)));
    int lost = results.abandon().size();
    unsaved.increment(lost);
    LOG.error("the store did not finish writing within {}: {} requests were failed and {} results were not stored",
        timeout, left.size(), lost);
  }

  private void loop() {
    List<Append> group = new ArrayList<>();
    boolean lastTry = false;
    try {
      while (true) {
        if (stopping && !lastTry) {
          lastTry = true;
          results.retryNow();
        }
        appends.drainTo(group, maxRecords);
        if (!group.isEmpty()) {
          wait.gather(group);
        }
        if (!group.isEmpty()) {
          long start = System.nanoTime();
          writeAppends(group);
          group.clear();
          appendsEndNanos = System.nanoTime();
          appendsTookNanos = appendsEndNanos - start;
        }
        long now = System.nanoTime();
        long deferNanos = resultsDeferral(now);
        if (deferNanos == 0 && results.due(now)) {
          results.writeGroup();
          continue;
        }
        if (!appends.isEmpty()) {
          continue;
        }
        // read in this order: an offer counts itself before it reads stopping, so none can slip in after this
        if (stopping && offering.get() == 0 && appends.isEmpty() && results.isEmpty()) {
          return;
        }
        // results held for a failing store keep being retried until close() gives up on them
        long sleep = Math.min(IDLE_NANOS, results.nanosUntilRetry(now));
        work.tryAcquire(deferNanos > 0 ? Math.min(sleep, deferNanos) : sleep, TimeUnit.NANOSECONDS);
        work.drainPermits();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failAll(group);
    } catch (RuntimeException | Error e) {
      LOG.error("the store writer failed; requests queued for the store are failed", e);
      failAll(group);
      throw e;
    }
  }

  /**
   * How long results should still wait, 0 = write them when due. While DURABLE callers keep the writer busy with
   * appends, results (which no caller waits for) wait for a gap in the appends as long as the last append call took,
   * up to a full group or {@link #RESULTS_MAX_WAIT_NANOS}: under a syncing store that saves one sync per cycle,
   * which would otherwise delay the next appends by as much as the appends themselves take.
   */
  private long resultsDeferral(long now) {
    if (stopping || results.held() >= maxRecords) {
      return 0;
    }
    long gapLeft = appendsEndNanos + appendsTookNanos - now;
    long ageLeft = results.oldestOfferedNanos(now) + RESULTS_MAX_WAIT_NANOS - now;
    return Math.max(0, Math.min(gapLeft, ageLeft));
  }

  private void failAll(List<Append> taken) {
    List<Append> left = new ArrayList<>(taken);
    appends.drainTo(left);
    left.forEach(a -> a.stored.completeExceptionally(stopped("request " + a.record.requestId()
        + " was not stored")));
  }

  private void writeAppends(List<Append> group) {
    long now = System.nanoTime();
    List<Append> live = new ArrayList<>(group.size());
    List<Append> whole = new ArrayList<>();
    List<ResultRecord> done = new ArrayList<>();
    for (Append a : group) {
      // taken first, whatever happens to the append: no result may attach to it after this
      ResultRecord result = a.take();
      if (a.stored.isDone()) {
        continue;
      }
      if (now - a.deadlineNanos >= 0) {
        // its caller has been told already; storing it now would only leave a request nobody waits for
        a.stored.completeExceptionally(new DeadlineExceededException("request " + a.record.requestId()
            + " was not stored before its deadline: the store was too slow; it was not acknowledged"));
      } else if (result != null) {
        whole.add(a);
        done.add(result);
      } else {
        live.add(a);
      }
    }
    if (!whole.isEmpty()) {
      if (writeTogether(live, whole, done)) {
        return;
      }
      // stored the usual way instead: the requests now, the results after them
      for (int i = 0; i < whole.size(); i++) {
        results.requeue(new ResultQueue.Result(done.get(i), whole.get(i).stored, now));
      }
      live.addAll(whole);
    }
    if (!live.isEmpty()) {
      write(live);
    }
  }

  /**
   * Stores the {@code live} requests and the {@code whole} ones with their results ({@code done}, in the same order)
   * in one store call; false when the store refused or failed it, so the caller falls back to append then complete.
   */
  private boolean writeTogether(List<Append> live, List<Append> whole, List<ResultRecord> done) {
    List<RequestRecord> pending = new ArrayList<>(live.size());
    live.forEach(a -> pending.add(a.record));
    List<Append> group = new ArrayList<>(live);
    group.addAll(whole);
    Span span = tracer.spanBuilder("deduce.store.append").setAttribute("deduce.records", group.size())
        .setAttribute("deduce.with_results", done.size()).startSpan();
    writing = group;
    try {
      appendDoneTimer.record(() -> store.appendAndComplete(pending, done));
      group.forEach(a -> a.stored.complete(null));
      return true;
    } catch (RuntimeException e) {
      appendDoneFailures.increment();
      span.recordException(e);
      LOG.debug("storing {} requests, {} with their results, failed; storing them append then complete",
          group.size(), done.size(), e);
      return false;
    } finally {
      writing = List.of();
      span.end();
    }
  }

  private void write(List<Append> group) {
    List<RequestRecord> records = new ArrayList<>(group.size());
    group.forEach(a -> records.add(a.record));
    Span span = tracer.spanBuilder("deduce.store.append").setAttribute("deduce.records", records.size()).startSpan();
    writing = group;
    try {
      appendTimer.record(() -> store.append(records));
      group.forEach(a -> a.stored.complete(null));
    } catch (IllegalArgumentException e) {
      if (group.size() > 1) {
        // the store refused one malformed record; write the group one by one so only that request fails
        group.forEach(a -> write(List.of(a)));
        return;
      }
      appendFailures.increment();
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      group.get(0).stored.completeExceptionally(new StoreException("the store refused request "
          + records.get(0).requestId() + ": " + e.getMessage(), e));
    } catch (RuntimeException e) {
      appendFailures.increment();
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      StoreException failure = new StoreException("could not store the request before acknowledging it: " + e
          + "; expected a working store (DURABLE mode fails requests it cannot store)", e);
      group.forEach(a -> a.stored.completeExceptionally(failure));
    } finally {
      writing = List.of();
      span.end();
    }
  }

  private static StoreException stopped(String what) {
    return new StoreException(what + ": the runtime is closing and its store writer has stopped; expected the"
        + " request before close()");
  }
}
