package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.OverloadedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue of one model, shared by its versions: requests wait here grouped by batch key until a worker of
 * their version takes a batch. Room is reserved before a request is stored, so a full queue never leaves a stored
 * request behind.
 */
public final class ModelQueue {

  /** Workers re-check for retirement at least this often, so a missed signal never strands one. */
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final String model;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final Map<Request.BatchKey, ArrayDeque<Request>> groups = new LinkedHashMap<>();
  private volatile int capacity;
  private int queued;
  private int reserved;

  /** The queue of {@code model}, holding at most {@code capacity} requests. */
  public ModelQueue(String model, int capacity) {
    this.model = model;
    this.capacity = capacity;
  }

  public void capacity(int c) {
    capacity = c;
  }

  /** Requests waiting, reserved room included. */
  public int depth() {
    lock.lock();
    try {
      return queued + reserved;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reserves room for one request, waiting up to {@code maxWait}.
   *
   * @throws OverloadedException when no room frees up in time
   */
  public void reserve(Duration maxWait) {
    long nanos = maxWait.toNanos();
    lock.lock();
    try {
      while (queued + reserved >= capacity) {
        if (nanos <= 0) {
          throw new OverloadedException("queue of model '" + model + "' is full (" + capacity + " requests"
              + (maxWait.isZero() ? "" : ", waited " + maxWait) + "); expected fewer requests in flight,"
              + " retry later or raise queue.capacity");
        }
        nanos = notFull.awaitNanos(nanos);
      }
      reserved++;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OverloadedException("interrupted while waiting for room in the queue of model '" + model + "'", e);
    } finally {
      lock.unlock();
    }
  }

  /** Gives back room reserved for a request that will not be queued. */
  public void unreserve() {
    lock.lock();
    try {
      reserved--;
      notFull.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Queues a request into room it reserved. */
  public void addReserved(Request r) {
    lock.lock();
    try {
      reserved--;
      add(r);
    } finally {
      lock.unlock();
    }
  }

  /** Queues a recovered request regardless of room: an acknowledged request is never dropped. */
  public void addRecovered(Request r) {
    lock.lock();
    try {
      add(r);
    } finally {
      lock.unlock();
    }
  }

  /** Removes a request whose deadline passed; false when a worker already took it. */
  public boolean remove(Request r) {
    lock.lock();
    try {
      ArrayDeque<Request> g = groups.get(r.batchKey);
      if (g == null || !g.remove(r)) {
        return false;
      }
      if (g.isEmpty()) {
        groups.remove(r.batchKey);
      }
      queued--;
      notFull.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Wakes workers so they notice a retirement or shutdown. */
  void wake() {
    lock.lock();
    try {
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Lets a caller run its own request on an idle slot of {@code version}, or null: only when nothing is queued or
   * being queued for the model, so a caller never overtakes a waiting request. Give it back with {@link #release}.
   */
  public ServingVersion.Slot claimIdle(ServingVersion version) {
    lock.lock();
    try {
      if (queued + reserved > 0) {
        return null;
      }
      for (ServingVersion.Slot s : version.slots()) {
        if (s.claimForCaller()) {
          return s;
        }
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** Gives back a slot a caller ran on; its worker may be waiting for it with a batch to take. */
  public void release(ServingVersion.Slot slot) {
    lock.lock();
    try {
      slot.callerDone();
      if (queued > 0) {
        notEmpty.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until {@code version}'s batcher says a batch is ready and {@code slot} is free of a caller, marks the slot
   * busy and returns the batch, oldest batch key first; null once the version is retired and drained.
   */
  List<Request> nextBatch(ServingVersion version, ServingVersion.Slot slot) {
    Batcher batcher = version.batcher;
    lock.lock();
    try {
      while (true) {
        ArrayDeque<Request> group = oldestGroup(version);
        if (group == null) {
          if (version.drained()) {
            return null;
          }
          notEmpty.awaitNanos(RECHECK_NANOS);
          continue;
        }
        if (slot.heldByCaller()) {
          notEmpty.awaitNanos(RECHECK_NANOS); // release() signals when the caller is done
          continue;
        }
        long now = System.nanoTime();
        int n = batcher.take(group, now, version.flushing());
        if (n > 0) {
          List<Request> batch = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            batch.add(group.poll());
          }
          if (group.isEmpty()) {
            groups.remove(batch.get(0).batchKey);
          }
          queued -= n;
          notFull.signalAll();
          slot.claimForWorker();
          return batch;
        }
        long wait = Math.min(RECHECK_NANOS, batcher.sendBy(group.peek()) - now);
        if (wait > 0) {
          notEmpty.awaitNanos(wait);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      lock.unlock();
    }
  }

  private void add(Request r) {
    r.enqueuedNanos = System.nanoTime();
    groups.computeIfAbsent(r.batchKey, k -> new ArrayDeque<>()).add(r);
    queued++;
    notEmpty.signalAll();
  }

  private ArrayDeque<Request> oldestGroup(ServingVersion version) {
    ArrayDeque<Request> best = null;
    for (Iterator<ArrayDeque<Request>> it = groups.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Request> g = it.next();
      Request head = g.peek();
      if (head.version == version && (best == null || head.enqueuedNanos - best.peek().enqueuedNanos < 0)) {
        best = g;
      }
    }
    return best;
  }
}
