package dev.deduce.store.cozo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills Cozo's HNSW index in the background. Cozo inserts a few hundred to about a thousand vectors a second (the
 * time is inside its own HNSW code), so indexing inside the write would cap the store's throughput there. A write
 * makes the vector durable in {@code deduce_vector} and names its id here; this thread then copies it, in batches,
 * into {@code deduce_embedding}, the relation that carries the index {@code deduce_embedding:nearest}, so that
 * {@code nearest} and Datalog over the index see it shortly after. {@link #lag} is what they do not see yet.
 *
 * <p>Writes come first: a batch runs under the store's lock, sized from the cost per vector seen so far to hold it
 * about 5 ms (at most {@code embedding.batch} vectors). When callers took the lock since the indexer last looked, or
 * wait for it now, the indexer steps aside for nine times as long as the batch took before it takes the next, so
 * under load it gets at most a tenth of the lock and the writers the rest; on an idle store it runs flat out. Under
 * a steady load Cozo's HNSW inserts cannot keep up at any share (a few hundred a second against thousands of
 * writes), so the share decides how much the writers lose, not whether the index catches up before the load drops.
 * The index is not persisted: after an open, or after the engine was rebuilt, every stored vector is indexed again.
 */
final class EmbeddingIndex implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingIndex.class);
  // on a busy store the indexer takes one part of the lock's time in YIELD_FACTOR + 1
  private static final int YIELD_FACTOR = 9;
  private static final long MAX_YIELD_MILLIS = 200;
  // a batch holds the store's lock: it is sized to take about this long, from the time per vector recent batches
  // took, waiting for the lock included, so that the busier the store the shorter the batches
  private static final double TARGET_BATCH_MILLIS = 5;

  // indexes the stored vectors of these ids, under the store's lock; how many it indexed
  private final Function<List<String>, Integer> indexBatch;
  // every id with a stored vector
  private final Supplier<List<String>> allIds;
  // the store's lock: how often callers take it tells a busy store from an idle one
  private final StoreLock lock;
  // the callers' turns at the lock when the indexer last looked
  private long turnsSeen;
  private final int batchSize;
  private final LinkedHashSet<String> queue = new LinkedHashSet<>();
  private final Thread worker;
  private int inFlight;
  // milliseconds per indexed vector, smoothed; Cozo's HNSW insert cost grows with the index and depends on the data
  // (about 1.4 ms for random 16-d vectors, 6 ms for the quickstart's 4-d softmax outputs, on wasmtime)
  private double millisPerVector = 1;
  private long indexed;
  private boolean closed;

  EmbeddingIndex(int batchSize, Function<List<String>, Integer> indexBatch, Supplier<List<String>> allIds,
      StoreLock lock) {
    this.batchSize = batchSize;
    this.indexBatch = indexBatch;
    this.allIds = allIds;
    this.lock = lock;
    worker = new Thread(this::work, "deduce-cozo-hnsw");
    worker.setDaemon(true);
  }

  /** Starts indexing, beginning with every vector stored so far. */
  void start() {
    enqueue(allIds.get());
    worker.start();
  }

  /** Queues {@code ids} (durable already) for indexing. */
  void enqueue(Collection<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    synchronized (queue) {
      queue.addAll(ids);
      queue.notifyAll();
    }
  }

  /** The engine lost the index (it was rebuilt from disk): index every stored vector again. */
  void reindexAll() {
    synchronized (queue) {
      indexed = 0;
    }
    enqueue(allIds.get());
  }

  /** Stored embeddings that the index does not hold yet. */
  long lag() {
    synchronized (queue) {
      return queue.size() + inFlight;
    }
  }

  /** Embeddings indexed since the index was last (re)built. */
  long indexed() {
    synchronized (queue) {
      return indexed;
    }
  }

  /** Blocks until the lag is zero or {@code millis} passed; whether it reached zero. */
  boolean awaitIndexed(long millis) throws InterruptedException {
    long until = System.currentTimeMillis() + millis;
    synchronized (queue) {
      while (queue.size() + inFlight > 0 && !closed) {
        long left = until - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        queue.wait(left);
      }
      return queue.size() + inFlight == 0;
    }
  }

  /** Stops the thread; call without holding the store's lock, which a running batch may be waiting for. */
  @Override
  public void close() {
    synchronized (queue) {
      closed = true;
      queue.notifyAll();
    }
    worker.interrupt();
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void work() {
    while (true) {
      List<String> batch = new ArrayList<>();
      synchronized (queue) {
        while (queue.isEmpty() && !closed) {
          try {
            queue.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        Iterator<String> it = queue.iterator();
        int size = (int) Math.max(1, Math.min(batchSize, TARGET_BATCH_MILLIS / millisPerVector));
        while (it.hasNext() && batch.size() < size) {
          batch.add(it.next());
          it.remove();
        }
        inFlight = batch.size();
      }
      long started = System.nanoTime();
      try {
        int n = indexBatch.apply(batch);
        double took = (System.nanoTime() - started) / 1e6;
        millisPerVector = 0.8 * millisPerVector + 0.2 * (took / batch.size());
        synchronized (queue) {
          indexed += n;
        }
      } catch (RuntimeException e) {
        synchronized (queue) {
          if (closed) {
            return;
          }
        }
        LOG.warn("indexing {} embeddings failed; they are queued again: {}", batch.size(), e.getMessage());
        enqueue(batch);
      } finally {
        synchronized (queue) {
          inFlight = 0;
          queue.notifyAll();
        }
      }
      if (!stepAside((System.nanoTime() - started) / 1_000_000)) {
        return;
      }
    }
  }

  private boolean stepAside(long batchMillis) {
    // a caller that took the lock since the last look makes the store busy, not only one waiting right now: under
    // a steady load the writer is often between groups (gathering, syncing) just when a batch ends
    long turns = lock.turns();
    boolean busy = turns != turnsSeen || lock.waiting() > 0;
    turnsSeen = turns;
    if (!busy) {
      return true;
    }
    try {
      Thread.sleep(Math.max(1, Math.min(YIELD_FACTOR * batchMillis, MAX_YIELD_MILLIS)));
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
