package dev.deduce.runtime.internal.durability;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How long a group of appends waits before the writer stores it, never for records that cannot come: for more
 * appends only while DURABLE submits are on their way (as PostgreSQL's commit_delay waits only with enough other
 * transactions active), and for the group's own results only while the model's recent runs say they will be ready
 * within the result wait. A result that rides along saves its row a second write (an insert, then an update), and
 * under a syncing store a second sync.
 */
final class GroupWait {

  /** Short polls: a submit that gives up before its append (a full queue, bad input) must not cost the delay. */
  private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(25);

  private final ArrayBlockingQueue<Append> appends;
  private final AtomicInteger arriving;
  private final int maxRecords;
  private final long maxDelayNanos;
  private final long resultWaitNanos;
  private final BooleanSupplier stopping;

  GroupWait(ArrayBlockingQueue<Append> appends, AtomicInteger arriving, int maxRecords, long maxDelayNanos,
      long resultWaitNanos, BooleanSupplier stopping) {
    this.appends = appends;
    this.arriving = arriving;
    this.maxRecords = maxRecords;
    this.maxDelayNanos = maxDelayNanos;
    this.resultWaitNanos = resultWaitNanos;
    this.stopping = stopping;
  }

  /** Adds to {@code group} (not empty) what is worth waiting for, then returns: the group is to be written now. */
  void gather(List<Append> group) throws InterruptedException {
    if (maxDelayNanos > 0) {
      forArrivals(group);
    }
    if (resultWaitNanos > 0) {
      forResults(group);
    }
  }

  private void forArrivals(List<Append> group) throws InterruptedException {
    long until = System.nanoTime() + maxDelayNanos;
    while (group.size() < maxRecords && !stopping.getAsBoolean() && arriving.get() > 0) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      Append next = appends.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
      if (next != null) {
        group.add(next);
        appends.drainTo(group, maxRecords - group.size());
      }
    }
  }

  /**
   * Waits, at most the result wait, while a member still expects its result by the end of it. Appends that arrive
   * meanwhile join the group (and may be waited for too, within the same bound).
   */
  private void forResults(List<Append> group) throws InterruptedException {
    long until = System.nanoTime() + resultWaitNanos;
    while (!stopping.getAsBoolean() && expectsResultBy(group, until)) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(this, Math.min(left, POLL_NANOS));
      if (Thread.interrupted()) {
        throw new InterruptedException("the store writer was interrupted while its group waited for results");
      }
      if (group.size() < maxRecords) {
        appends.drainTo(group, maxRecords - group.size());
      }
    }
  }

  private static boolean expectsResultBy(List<Append> group, long until) {
    for (Append a : group) {
      if (a.resultDueNanos - until <= 0 && a.awaitsResult()) {
        return true;
      }
    }
    return false;
  }
}
