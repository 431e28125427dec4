package dev.deduce.runtime;

import dev.deduce.api.RequestStatus;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A thread-safe {@link Store} held in memory: idempotent by request id, first result wins, history newest first.
 *
 * <p>Its data lives as long as the object, not the JVM. {@link #close()} keeps it, so a new runtime can reuse a
 * store that an earlier runtime closed or abandoned, and recover its PENDING requests.
 */
public final class MemoryStore implements Store {

  /** Orders rows by submission time, then by arrival, so pages are stable while rows are added. */
  private record Key(long submittedNanos, long seq) implements Comparable<Key> {
    private static final Comparator<Key> ORDER =
        Comparator.comparingLong(Key::submittedNanos).thenComparingLong(Key::seq);

    @Override
    public int compareTo(Key o) {
      return ORDER.compare(this, o);
    }

    String token() {
      return submittedNanos + ":" + seq;
    }

    static Key parse(String token) {
      String[] parts = token.split(":");
      try {
        if (parts.length == 2) {
          return new Key(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        }
      } catch (NumberFormatException e) {
        // reported below with the token
      }
      throw new IllegalArgumentException("page token '" + token + "' was not issued by this store;"
          + " expected the nextPageToken of a previous page");
    }
  }

  private final Map<String, Key> keys = new HashMap<>();
  private final TreeMap<Key, StoredRequest> rows = new TreeMap<>();
  private long seq;

  /** An empty store. */
  public MemoryStore() {}

  @Override
  public synchronized void append(List<RequestRecord> requests) {
    Objects.requireNonNull(requests, "requests must not be null");
    for (RequestRecord r : requests) {
      Objects.requireNonNull(r, "requests must not contain null");
      if (!keys.containsKey(r.requestId())) {
        put(r, StoredRequest.pending(r));
      }
    }
  }

  @Override
  public synchronized void complete(List<ResultRecord> results) {
    Objects.requireNonNull(results, "results must not be null");
    for (ResultRecord r : results) {
      Objects.requireNonNull(r, "results must not contain null");
      Key k = keys.get(r.requestId());
      if (k == null) {
        put(r.request(), StoredRequest.completed(r));
      } else if (rows.get(k).status() == RequestStatus.PENDING) {
        rows.put(k, StoredRequest.completed(r));
      }
    }
  }

  @Override
  public synchronized Optional<StoredRequest> get(String requestId) {
    Key k = keys.get(requestId);
    return k == null ? Optional.empty() : Optional.of(rows.get(k));
  }

  @Override
  public synchronized List<RequestRecord> pending() {
    List<RequestRecord> out = new ArrayList<>();
    for (StoredRequest s : rows.values()) {
      if (s.status() == RequestStatus.PENDING) {
        out.add(s.request());
      }
    }
    return out;
  }

  @Override
  public synchronized Page<StoredRequest> history(HistoryQuery q) {
    Objects.requireNonNull(q, "query must not be null");
    Map<Key, StoredRequest> older = q.pageToken() == null ? rows.descendingMap()
        : rows.headMap(Key.parse(q.pageToken()), false).descendingMap();
    List<StoredRequest> items = new ArrayList<>();
    Key last = null;
    boolean more = false;
    for (Map.Entry<Key, StoredRequest> e : older.entrySet()) {
      StoredRequest s = e.getValue();
      if (!matches(q, s)) {
        continue;
      }
      if (items.size() == q.pageSize()) {
        more = true;
        break;
      }
      items.add(s);
      last = e.getKey();
    }
    return new Page<>(items, more ? Optional.of(last.token()) : Optional.empty());
  }

  /** Keeps the data: there is nothing to flush or release in memory. */
  @Override
  public void close() {
    // deliberately empty: see the class comment
  }

  private static boolean matches(HistoryQuery q, StoredRequest s) {
    RequestRecord r = s.request();
    return (q.model() == null || q.model().equals(r.model()))
        && (q.version() == null || q.version().equals(s.version()))
        && (q.status() == null || q.status() == s.status())
        && (q.from() == null || !r.submittedAt().isBefore(q.from()))
        && (q.to() == null || r.submittedAt().isBefore(q.to()));
  }

  private void put(RequestRecord r, StoredRequest row) {
    long nanos = r.submittedAt().getEpochSecond() * 1_000_000_000L + r.submittedAt().getNano();
    Key k = new Key(nanos, seq++);
    keys.put(r.requestId(), k);
    rows.put(k, row);
  }
}
