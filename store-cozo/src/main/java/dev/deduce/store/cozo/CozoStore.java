package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.Neighbour;
import dev.deduce.spi.Page;
import dev.deduce.spi.PageCursor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.TensorCodec;
import dev.deduce.spi.VectorSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deduce's records in CozoDB relations. The engine keeps data in memory; {@link DurableCozo} makes every accepted
 * mutation durable before the call returns and keeps recovery bounded, and {@link EmbeddingIndex} indexes result
 * embeddings for {@link #nearest} in the background. All access to the main instance is serialised: one engine
 * instance is not thread-safe.
 */
final class CozoStore implements Store, NativeQuery, VectorSearch {

  static final String SNAPSHOT = DurableCozo.SNAPSHOT;
  static final String LOG = DurableCozo.LOG;
  private static final int MAX_K = 10_000;

  private static final Logger LOGGER = LoggerFactory.getLogger(CozoStore.class);

  private final Path folder;
  private final CozoStoreOptions options;
  private final StoreLock lock = new StoreLock();
  private final AtomicLong skippedEmbeddings = new AtomicLong();
  private int indexedGeneration;
  private final DurableCozo cozo;
  private final RecordRows records;
  private final EmbeddingIndex index;
  private final OutcomeWriter outcomes;
  private final RecentRows recent;
  private long nextSeq;
  // ids known to be PENDING: completing one of them needs no copy of its inputs in the log
  private final Set<String> pendingIds = new HashSet<>();
  private boolean closed;

  CozoStore(Path folder, CozoStoreOptions options, Supplier<CozoRunner> engines) {
    this.folder = folder;
    this.options = options;
    try {
      Files.createDirectories(folder);
    } catch (java.io.IOException e) {
      throw new StoreException("cannot create store folder " + folder + ": " + e.getMessage(), e);
    }
    if (!Files.isDirectory(folder)) {
      throw new StoreException("store location " + folder + " is not a folder; expected a folder for the "
          + "snapshot and journal");
    }
    cozo = new DurableCozo(folder, options, engines, lock.monitor());
    records = new RecordRows(offset -> TensorCodec.decode(cozo.blob(offset)));
    outcomes = new OutcomeWriter(cozo, options, pendingIds);
    recent = new RecentRows(options.readCacheRows());
    try {
      List<JsonNode> max = cozo.read(CozoScripts.MAX_SEQ, Map.of()).rows();
      nextSeq = max.isEmpty() || max.get(0).get(0).isNull() ? 0 : max.get(0).get(0).asLong() + 1;
      for (JsonNode row : cozo.read(CozoScripts.PENDING_IDS, Map.of()).rows()) {
        pendingIds.add(row.get(0).asText());
      }
      indexedGeneration = cozo.generation();
    } catch (RuntimeException e) {
      cozo.close();
      throw e;
    }
    index = options.embeddingOutput() == null ? null
        : new EmbeddingIndex(options.embeddingBatch(), this::indexBatch, this::vectorIds, lock);
    if (index != null) {
      index.start();
    }
  }

  @Override
  public void append(List<RequestRecord> requests) {
    Map<String, RequestRecord> first = RecordChecks.firstRequests(requests);
    writeAppends(first, RecordChecks.encodeInputs(options, first));
  }

  @Override
  public void complete(List<ResultRecord> results) {
    writeOutcomes(PreparedOutcomes.of(options, results, this::skipEmbedding));
  }

  @Override
  public void appendAndComplete(List<RequestRecord> requests, List<ResultRecord> results) {
    Map<String, RequestRecord> first = RecordChecks.firstRequests(requests);
    PreparedOutcomes done = PreparedOutcomes.of(options, results, this::skipEmbedding);
    Map<String, byte[]> inputs = RecordChecks.encodeInputs(options, first);
    boolean together = false;
    if (first.keySet().containsAll(done.results().keySet())) {
      together = lock.call(() -> {
        checkOpen();
        recent.forget(first.keySet());
        // new requests, some with their outcome, are one insert and one journal commit instead of two
        return first.keySet().stream().noneMatch(pendingIds::contains)
            && outcomes.insertWith(first, inputs, done, () -> nextSeq++);
      });
    }
    if (!together) {
      // a request stored already, or an outcome for one not in this call: append, then complete, decide per row
      writeAppends(first, inputs);
      writeOutcomes(done);
      return;
    }
    if (index != null) {
      index.enqueue(done.embedded());
    }
  }

  private void writeAppends(Map<String, RequestRecord> first, Map<String, byte[]> inputs) {
    lock.run(() -> {
      checkOpen();
      recent.forget(first.keySet());
      Log.Group group = cozo.group();
      List<List<Object>> rows = new ArrayList<>();
      for (RequestRecord r : first.values()) {
        if (!pendingIds.contains(r.requestId())) {
          rows.add(RecordRows.row(r, nextSeq++, null, blob(group, inputs.get(r.requestId())), null));
        }
      }
      if (rows.isEmpty()) {
        return;
      }
      // Cozo reports the rows it inserted: ids already stored are left as they were
      for (JsonNode put : cozo.commit(group, "append", CozoScripts.APPEND, Map.of("rows", rows)).rows()) {
        if ("inserted".equals(put.get(0).asText())) {
          pendingIds.add(put.get(1).asText());
        }
      }
    });
  }

  private void writeOutcomes(PreparedOutcomes done) {
    if (done.isEmpty()) {
      return;
    }
    lock.run(() -> {
      checkOpen();
      recent.forget(done.results().keySet());
      outcomes.write(done, () -> nextSeq++);
    });
    if (index != null) {
      // durable and readable now; an id whose outcome lost to an earlier one is indexed with the stored vector
      index.enqueue(done.embedded());
    }
  }

  /** Results stored without their vector because it could not be indexed, since this store opened. */
  long skippedEmbeddings() {
    return skippedEmbeddings.get();
  }

  private void skipEmbedding(String why) {
    LOGGER.warn("result stored without its embedding ({} skipped since open): {}", skippedEmbeddings.incrementAndGet(),
        why);
  }

  @Override
  public Optional<StoredRequest> get(String requestId) {
    if (requestId == null) {
      throw new IllegalArgumentException("request id is null; expected the id given at submit");
    }
    return lock.call(() -> {
      checkOpen();
      int epoch = cozo.rowsEpoch();
      JsonNode row = recent.get(requestId, epoch);
      if (row == null) {
        List<JsonNode> rows = cozo.read(CozoScripts.GET, Map.of("id", requestId)).rows();
        if (rows.isEmpty()) {
          return Optional.empty();
        }
        row = rows.get(0);
        recent.put(requestId, row, epoch);
      }
      return Optional.of(records.stored(row));
    });
  }

  @Override
  public List<RequestRecord> pending() {
    return lock.call(() -> {
      checkOpen();
      List<RequestRecord> out = new ArrayList<>();
      for (JsonNode row : cozo.read(CozoScripts.PENDING, Map.of()).rows()) {
        out.add(records.request(row));
      }
      return out;
    });
  }

  @Override
  public Page<StoredRequest> history(HistoryQuery q) {
    if (q == null) {
      throw new IllegalArgumentException("history query is null; expected e.g. HistoryQuery.all()");
    }
    Map<String, Object> params = new LinkedHashMap<>();
    String script = CozoScripts.history(q, params);
    return lock.call(() -> {
      checkOpen();
      List<JsonNode> rows = cozo.read(script, params).rows();
      List<StoredRequest> fetched = new ArrayList<>();
      for (JsonNode row : rows) {
        fetched.add(records.stored(row));
      }
      return PageCursor.page(q, fetched);
    });
  }

  @Override
  public Optional<NativeQuery> nativeQuery() {
    return Optional.of(this);
  }

  @Override
  public String language() {
    return "datalog";
  }

  /** Present when the store option {@code embedding.output} names the output to index. */
  @Override
  public Optional<VectorSearch> vectorSearch() {
    return options.embeddingOutput() == null ? Optional.empty() : Optional.of(this);
  }

  /**
   * Runs CozoScript over {@code deduce_request} (and {@code deduce_embedding}) with Cozo's immutable flag, so Cozo
   * itself rejects any write ({@code :put}, {@code :rm}, {@code ::remove} and the rest) instead of this store
   * guessing from the text.
   */
  @Override
  public List<Map<String, Object>> query(String text, Map<String, Object> params) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("query text is empty; expected a CozoScript query such as "
          + "?[id] := *deduce_request{id}");
    }
    Map<String, Object> p = params == null ? Map.of() : params;
    QueryParams.check(p);
    return lock.call(() -> {
      checkOpen();
      CozoDb.Rows rows = cozo.read(text, p);
      List<Map<String, Object>> out = new ArrayList<>();
      for (JsonNode row : rows.rows()) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < rows.headers().size(); i++) {
          m.put(rows.headers().get(i), CozoDb.JSON.convertValue(row.get(i), Object.class));
        }
        out.add(m);
      }
      return out;
    });
  }

  /**
   * The {@code k} indexed embeddings nearest to {@code vector}, by Cozo's HNSW index.
   *
   * <p><b>Indexing lags the write.</b> A {@code complete} makes its embedding durable and readable at once (relation
   * {@code deduce_vector}), but the HNSW index takes it in the background, in batches of {@code embedding.batch}, at
   * Cozo's own insert rate (about 700 vectors a second on wasmtime, 150 on Chicory) and, while the store is busy,
   * in at most a tenth of its time. Until then neither this search nor Datalog over
   * {@code ~deduce_embedding:nearest} returns it. After an open the index is rebuilt from every stored embedding in
   * the background, so the lag starts at their number. The lag is readable through Datalog as
   * {@code ?[indexed, pending] := *deduce_index_status{indexed, pending}} (as of the indexer's last batch).
   */
  @Override
  public List<Neighbour> nearest(float[] vector, int k) {
    if (options.embeddingOutput() == null) {
      throw new UnsupportedOperationException("vector search is off: set the store option "
          + CozoStoreOptions.EMBEDDING_OUTPUT + " (and " + CozoStoreOptions.EMBEDDING_DIM + ")");
    }
    if (vector == null || vector.length != options.embeddingDim()) {
      throw new IllegalArgumentException("query vector has " + (vector == null ? "no" : vector.length)
          + " elements; expected " + options.embeddingDim());
    }
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("k is " + k + "; expected 1 to " + MAX_K);
    }
    List<Object> q = new ArrayList<>(vector.length);
    for (float f : vector) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException("query vector holds " + f + "; expected finite numbers");
      }
      q.add(f);
    }
    return lock.call(() -> {
      checkOpen();
      List<Neighbour> out = new ArrayList<>();
      for (JsonNode row : cozo.read(CozoScripts.NEAREST, Map.of("q", q, "k", k, "ef", Math.max(50, k))).rows()) {
        out.add(new Neighbour(row.get(0).asText(), row.get(1).asDouble()));
      }
      return out;
    });
  }

  @Override
  public void close() {
    synchronized (lock.monitor()) {
      if (closed) {
        return;
      }
      closed = true;
    }
    // writes racing this close fail with "closed"; the indexer stops at its next batch
    // first the indexer, outside the lock: it may be waiting for the lock to read vectors
    try {
      if (index != null) {
        index.close();
      }
    } finally {
      synchronized (lock.monitor()) {
        cozo.close();
      }
    }
  }

  /** Writes a snapshot of the relations now, covering the whole log. */
  void snapshot() {
    synchronized (lock.monitor()) {
      cozo.snapshot();
    }
  }

  /** Compacts the data log now, in this thread (the store does it in the background once the log doubles). */
  long compact() {
    return new Compactor(cozo, lock.monitor()).run();
  }

  /** Waits for a background compaction to end. */
  void awaitCompaction() throws InterruptedException {
    cozo.awaitCompaction();
  }

  /** The recovery work the last open did: commit records replayed after the snapshot. */
  int replayedAtOpen() {
    return cozo.replayedAtOpen();
  }

  /** Stored embeddings {@link #nearest} does not see yet (0 without embeddings). */
  long indexLag() {
    return index == null ? 0 : index.lag();
  }

  /** Waits until {@link #nearest} sees every stored embedding, or {@code millis} passed; whether it does. */
  boolean awaitIndexed(long millis) throws InterruptedException {
    return index == null || index.awaitIndexed(millis);
  }

  // runs in the indexer's thread: the stored vectors of ids into the HNSW-indexed relation, and the status
  private int indexBatch(List<String> ids) {
    synchronized (lock.monitor()) {
      checkOpen();
      if (cozo.generation() != indexedGeneration) {
        // the engine was rebuilt from disk, without the derived index: start it again
        indexedGeneration = cozo.generation();
        index.reindexAll();
      }
      List<List<String>> param = new ArrayList<>(ids.size());
      for (String id : ids) {
        param.add(List.of(id));
      }
      int n = cozo.runVolatile(CozoScripts.INDEX_BATCH, Map.of("ids", param)).rows().size();
      // ?[indexed, pending] := *deduce_index_status{indexed, pending}
      cozo.runVolatile(CozoScripts.INDEX_STATUS, Map.of("indexed", index.indexed() + n, "pending",
          Math.max(0, index.lag() - ids.size())));
      return n;
    }
  }

  private List<String> vectorIds() {
    synchronized (lock.monitor()) {
      checkOpen();
      List<String> ids = new ArrayList<>();
      for (JsonNode row : cozo.read(CozoScripts.VECTOR_IDS, Map.of()).rows()) {
        ids.add(row.get(0).asText());
      }
      return ids;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("Cozo store " + folder + " is closed");
    }
  }

  private static Long blob(Log.Group group, byte[] encoded) {
    return encoded == null ? null : group.blob(encoded);
  }
}
