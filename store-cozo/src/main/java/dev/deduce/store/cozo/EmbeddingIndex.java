package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.StoreException;
import dev.deduce.spi.Neighbour;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cozo's HNSW index over the stored embeddings, kept in a second Cozo instance and filled by a background thread in
 * batches. Cozo inserts a few hundred to about a thousand vectors a second (the time is inside its own HNSW code),
 * so indexing inside the write would cap the store's throughput there; here a write only makes the vector durable
 * (relation {@code deduce_embedding} of the main instance) and names its id to this index, which reads the vector
 * back and indexes it shortly after. {@link #nearest} sees what is indexed; {@link #lag} is what is not yet.
 *
 * <p>The index is not persisted: an open, or a panic inside this instance, indexes every stored embedding again in
 * the background.
 */
final class EmbeddingIndex implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingIndex.class);

  private final Supplier<CozoRunner> engines;
  private final CozoStoreOptions options;
  // reads [id, vec] rows of the given ids from the durable relation; all ids when given null
  private final Function<List<String>, List<JsonNode>> vectors;
  // told (indexed, lag) around every batch, for the store's status relation
  private final BiConsumer<Long, Long> report;
  private final Object engineLock = new Object();
  private final LinkedHashSet<String> queue = new LinkedHashSet<>();
  private final Thread worker;
  private CozoDb db;
  private int inFlight;
  private long indexed;
  private boolean closed;

  EmbeddingIndex(CozoStoreOptions options, Supplier<CozoRunner> engines,
      Function<List<String>, List<JsonNode>> vectors, BiConsumer<Long, Long> report) {
    this.options = options;
    this.engines = engines;
    this.vectors = vectors;
    this.report = report;
    db = fresh();
    worker = new Thread(this::work, "deduce-cozo-hnsw");
    worker.setDaemon(true);
    worker.start();
  }

  /** Queues {@code ids} (durable in the main instance already) for indexing. */
  void enqueue(Collection<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    synchronized (queue) {
      queue.addAll(ids);
      queue.notifyAll();
    }
  }

  /** Stored embeddings that {@link #nearest} does not see yet. */
  long lag() {
    synchronized (queue) {
      return queue.size() + inFlight;
    }
  }

  /** Embeddings indexed since the index was last built. */
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

  List<Neighbour> nearest(List<Object> query, int k) {
    List<JsonNode> rows;
    try {
      synchronized (engineLock) {
        rows = db.run(CozoScripts.NEAREST, Map.of("q", query, "k", k, "ef", Math.max(50, k)), true).rows();
      }
    } catch (CozoPanicException e) {
      rebuild(e);
      throw new StoreException(e.getMessage() + "; the vector index is being rebuilt from the stored embeddings", e);
    }
    List<Neighbour> out = new ArrayList<>();
    for (JsonNode row : rows) {
      out.add(new Neighbour(row.get(0).asText(), row.get(1).asDouble()));
    }
    return out;
  }

  @Override
  public void close() {
    synchronized (queue) {
      closed = true;
      queue.notifyAll();
    }
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (engineLock) {
      db.close();
    }
  }

  private CozoDb fresh() {
    CozoDb d = new CozoDb(engines.get());
    d.run(CozoScripts.embeddingSchema(options.embeddingDim()), Map.of(), false);
    d.run(CozoScripts.hnsw(options.embeddingDim(), options.embeddingDistance()), Map.of(), false);
    return d;
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
        while (it.hasNext() && batch.size() < options.embeddingBatch()) {
          batch.add(it.next());
          it.remove();
        }
        inFlight = batch.size();
      }
      try {
        index(batch);
      } catch (RuntimeException e) {
        if (!recover(batch, e)) {
          return;
        }
      } finally {
        synchronized (queue) {
          inFlight = 0;
          queue.notifyAll();
        }
      }
    }
  }

  private void index(List<String> batch) {
    report.accept(indexed(), lag());
    List<JsonNode> rows = vectors.apply(batch);
    if (!rows.isEmpty()) {
      synchronized (engineLock) {
        db.run(CozoScripts.PUT_EMBEDDINGS, Map.of("rows", rows), false);
      }
    }
    long done;
    long left;
    synchronized (queue) {
      indexed += rows.size();
      done = indexed;
      left = queue.size();
    }
    report.accept(done, left);
  }

  // a panic leaves this instance unusable: build a new one and index everything stored again
  private boolean recover(List<String> batch, RuntimeException e) {
    synchronized (queue) {
      if (closed) {
        return false;
      }
    }
    if (!(e instanceof CozoPanicException)) {
      LOG.warn("indexing {} embeddings failed; they are queued again: {}", batch.size(), e.getMessage());
      enqueue(batch);
      sleepBriefly();
      return true;
    }
    enqueue(batch);
    rebuild(e);
    return true;
  }

  private void rebuild(RuntimeException why) {
    LOG.warn("the HNSW index instance panicked ({}); rebuilding it from the stored embeddings", why.getMessage());
    synchronized (engineLock) {
      db.close();
      db = fresh();
    }
    List<String> all = new ArrayList<>();
    for (JsonNode row : vectors.apply(null)) {
      all.add(row.get(0).asText());
    }
    synchronized (queue) {
      indexed = 0;
    }
    enqueue(all);
  }

  // a failing main store (closing, or rebuilding after its own panic) is not retried in a tight loop
  private static void sleepBriefly() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }
}
