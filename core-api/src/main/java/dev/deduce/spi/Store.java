package dev.deduce.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Durable record of requests and results. Thread-safe. Every write is batched and idempotent by request id, and is
 * durable when the call returns: by default it survives a power loss. A store may offer a weaker, documented setting
 * (SQLite's {@code synchronous = NORMAL}: survives a process crash, not a power loss) that a host chooses knowingly.
 */
public interface Store extends AutoCloseable {

  /** Stores requests as PENDING; a request id already present is left as it is. */
  void append(List<RequestRecord> requests);

  /**
   * Stores outcomes; inserts the request too when the store never saw it. The first outcome for an id wins, so a
   * re-run never overwrites or duplicates.
   */
  void complete(List<ResultRecord> results);

  /** The request with {@code requestId} and its result, if stored. */
  Optional<StoredRequest> get(String requestId);

  /** Every PENDING request, oldest first: work to recover after a crash. */
  List<RequestRecord> pending();

  /** Stored requests matching {@code query}, newest first, one page. */
  Page<StoredRequest> history(HistoryQuery query);

  /** What this store offers beyond the core contract. */
  StoreCapabilities capabilities();

  /**
   * Runs a read-only query in the store's native language over its tables or relations, with {@code params} bound
   * as parameters, never spliced into the text.
   *
   * @throws UnsupportedOperationException when {@link StoreCapabilities#queryLanguage()} is empty
   */
  default List<Map<String, Object>> query(String text, Map<String, Object> params) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no native query language");
  }

  /**
   * The {@code k} stored result embeddings nearest to {@code vector}.
   *
   * @throws UnsupportedOperationException when {@link StoreCapabilities#vectorSearch()} is false
   */
  default List<Neighbour> nearest(float[] vector, int k) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no vector search");
  }

  /** Flushes and releases the store. Idempotent. */
  @Override
  void close();
}
