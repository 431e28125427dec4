package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.OverloadedException;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.PrioritySettings;
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
 * The bounded queue of one model, shared by its versions: requests wait here grouped by batch key (which includes
 * the priority level) until a worker of their version takes a batch. Room is reserved before a request is stored, so
 * a full queue never leaves a stored request behind. Each priority level has its own bound; workers take the
 * highest level first, and after {@code starvationLimit} batches in a row that passed over an older request, the
 * group whose first request waited longest.
 */
public final class ModelQueue {

  /** Workers re-check for retirement at least this often, so a missed signal never strands one. */
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final String model;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final Map<Request.BatchKey, ArrayDeque<Request>> groups = new LinkedHashMap<>();
  private volatile int[] capacity;
  private volatile int starvationLimit;
  private volatile boolean leveled;
  /** Per priority level: requests queued, and room reserved for requests on their way in. */
  private final int[] queued = new int[PrioritySettings.MAX_LEVELS];
  private final int[] reserved = new int[PrioritySettings.MAX_LEVELS];
  private int total;
  /** Batches taken in a row from a group other than the one whose first request waited longest. */
  private int passedOver;
  /** The head of the group that waited longest, as of the last {@link #nextGroup}. */
  private Request oldestHead;

  /** The queue of {@code model}, bounded as {@code settings} say. */
  public ModelQueue(String model, ModelSettings settings) {
    this.model = model;
    configure(settings);
  }

  /** Takes the bounds of {@code settings}: the latest deployment's hold for every version. */
  public void configure(ModelSettings settings) {
    int[] caps = new int[PrioritySettings.MAX_LEVELS];
    for (int level = 0; level < caps.length; level++) {
      caps[level] = settings.queue(level).capacity();
    }
    starvationLimit = settings.priority().starvationLimit();
    leveled = settings.priority().levels() > 1;
    capacity = caps;
  }

  /** Requests waiting, reserved room included. */
  public int depth() {
    lock.lock();
    try {
      return total;
    } finally {
      lock.unlock();
    }
  }

  /** Whether at least {@code n} requests of {@code version} are queued (not counting reserved room). */
  boolean holds(ServingVersion version, int n) {
    lock.lock();
    try {
      int found = 0;
      for (ArrayDeque<Request> g : groups.values()) {
        if (g.peek().version == version && (found += g.size()) >= n) {
          return true;
        }
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Whether a request of priority {@code level} would find no room now. */
  public boolean full(int level) {
    lock.lock();
    try {
      return queued[level] + reserved[level] >= capacity[level];
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reserves room for one request of priority {@code level}, waiting up to {@code maxWait}.
   *
   * @throws OverloadedException when no room frees up in time
   */
  public void reserve(int level, Duration maxWait) {
    long nanos = maxWait.toNanos();
    lock.lock();
    try {
      while (queued[level] + reserved[level] >= capacity[level]) {
        if (nanos <= 0) {
          throw new OverloadedException("queue of model '" + model + "'" + (leveled ? " at priority level " + level
              : "") + " is full (" + capacity[level] + " requests" + (maxWait.isZero() ? "" : ", waited " + maxWait)
              + "); expected fewer requests in flight, retry later or raise " + (leveled ? "priority.queues."
              + level + ".capacity" : "queue.capacity"));
        }
        nanos = notFull.awaitNanos(nanos);
      }
      reserved[level]++;
      total++;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OverloadedException("interrupted while waiting for room in the queue of model '" + model + "'", e);
    } finally {
      lock.unlock();
    }
  }

  /** Gives back room reserved for a request of priority {@code level} that will not be queued. */
  public void unreserve(int level) {
    lock.lock();
    try {
      reserved[level]--;
      total--;
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Queues a request into room it reserved. */
  public void addReserved(Request r) {
    lock.lock();
    try {
      reserved[r.priority]--;
      total--;
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
      queued[r.priority]--;
      total--;
      notFull.signalAll();
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
      if (total > 0) {
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
      if (total > 0) {
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
        ArrayDeque<Request> group = nextGroup(version);
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
          passedOver = batch.get(0) == oldestHead ? 0 : passedOver + 1;
          queued[batch.get(0).priority] -= n;
          total -= n;
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
    queued[r.priority]++;
    total++;
    notEmpty.signalAll();
  }

  /**
   * The group of {@code version} to take from next: the highest priority level's oldest, unless the group whose head
   * waited longest has been passed over {@code starvationLimit} times in a row, then that one. Sets
   * {@link #oldestHead}, so the take can tell whether it passed the oldest over.
   */
  private ArrayDeque<Request> nextGroup(ServingVersion version) {
    ArrayDeque<Request> best = null;
    ArrayDeque<Request> oldest = null;
    for (Iterator<ArrayDeque<Request>> it = groups.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Request> g = it.next();
      Request head = g.peek();
      if (head.version != version) {
        continue;
      }
      if (oldest == null || head.enqueuedNanos - oldest.peek().enqueuedNanos < 0) {
        oldest = g;
      }
      if (best == null || head.priority > best.peek().priority
          || head.priority == best.peek().priority && head.enqueuedNanos - best.peek().enqueuedNanos < 0) {
        best = g;
      }
    }
    oldestHead = oldest == null ? null : oldest.peek();
    return best != oldest && passedOver >= starvationLimit ? oldest : best;
  }
}
