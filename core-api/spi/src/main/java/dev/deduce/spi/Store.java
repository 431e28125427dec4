package dev.deduce.spi;

import java.util.List;
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

  /**
   * Appends {@code requests} and completes {@code results} (of other requests) as one write. By default the two
   * calls in turn; a store that can hold both in one transaction, so one sync, overrides it. The writer uses it for a
   * group of requests some of which computed before they were written.
   */
  default void appendAndComplete(List<RequestRecord> requests, List<ResultRecord> results) {
    append(requests);
    complete(results);
  }

  /** The request with {@code requestId} and its result, if stored. */
  Optional<StoredRequest> get(String requestId);

  /** Every PENDING request, oldest first: work to recover after a crash. */
  List<RequestRecord> pending();

  /** Stored requests matching {@code query}, newest first, one page. */
  Page<StoredRequest> history(HistoryQuery query);

  /** The store's native query language (SQL, Datalog), if it has one. */
  default Optional<NativeQuery> nativeQuery() {
    return Optional.empty();
  }

  /** Vector search over stored result embeddings, if the store has it and is configured for it. */
  default Optional<VectorSearch> vectorSearch() {
    return Optional.empty();
  }

  /** Flushes and releases the store. Idempotent. */
  @Override
  void close();
}
