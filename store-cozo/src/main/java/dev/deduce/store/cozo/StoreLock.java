package dev.deduce.store.cozo;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The store's one lock (Cozo's engine runs one call at a time), which also counts how often callers take it, so the
 * background indexer can tell a busy store from an idle one.
 */
final class StoreLock {

  private final Object monitor = new Object();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong turns = new AtomicLong();

  /** Runs {@code body} under the lock on behalf of a caller of the store. */
  <T> T call(Supplier<T> body) {
    waiting.incrementAndGet();
    synchronized (monitor) {
      waiting.decrementAndGet();
      turns.incrementAndGet();
      return body.get();
    }
  }

  /** Runs {@code body} under the lock on behalf of a caller of the store. */
  void run(Runnable body) {
    call(() -> {
      body.run();
      return null;
    });
  }

  /** What the store's own threads (indexer, compaction, close) synchronize on; they are not counted. */
  Object monitor() {
    return monitor;
  }

  /** Callers waiting for the lock right now. */
  int waiting() {
    return waiting.get();
  }

  /** How many times callers have taken the lock so far. */
  long turns() {
    return turns.get();
  }
}
