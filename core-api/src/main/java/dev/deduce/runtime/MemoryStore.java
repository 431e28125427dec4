package dev.deduce.runtime;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.api.Tensor;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.PageCursor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A thread-safe {@link Store} held in memory: idempotent by request id, first result wins, history newest first in
 * the shared {@link PageCursor} order. It keeps the whole store contract, {@code close()} included.
 *
 * <p>Its data lives as long as the object, not the JVM. Like a file, it can be opened again after it was closed:
 * {@link #reopen()} gives a new open store over the same data, so a new runtime can take over the requests, PENDING
 * ones included, of a runtime that closed or abandoned it.
 */
public final class MemoryStore implements Store {

  /** The largest request or result (its tensors' bytes) a store accepts by default, as the file stores do: 64 MiB. */
  public static final long DEFAULT_MAX_RECORD_BYTES = 64L << 20;

  /** The rows, shared by every handle {@link #reopen()} gives out; guarded by itself. */
  private static final class Data {
    private final Map<String, PageCursor> keys = new HashMap<>();
    private final NavigableMap<PageCursor, StoredRequest> rows = new TreeMap<>(PageCursor.NEWEST_FIRST);
  }

  private final Data data;
  private final long maxRecordBytes;
  private volatile boolean closed;

  /** An empty store accepting records up to {@link #DEFAULT_MAX_RECORD_BYTES}. */
  public MemoryStore() {
    this(DEFAULT_MAX_RECORD_BYTES);
  }

  /** An empty store accepting requests and results of at most {@code maxRecordBytes} of tensor data each. */
  public MemoryStore(long maxRecordBytes) {
    this(new Data(), maxRecordBytes);
    if (maxRecordBytes < 1) {
      throw new IllegalArgumentException("maxRecordBytes is " + maxRecordBytes + "; expected 1 or more");
    }
  }

  private MemoryStore(Data data, long maxRecordBytes) {
    this.data = data;
    this.maxRecordBytes = maxRecordBytes;
  }

  /** A new open store over this store's data, whether or not this one is closed. */
  public MemoryStore reopen() {
    return new MemoryStore(data, maxRecordBytes);
  }

  @Override
  public void append(List<RequestRecord> requests) {
    Objects.requireNonNull(requests, "requests must not be null");
    // checked before anything is written: a rejected batch leaves nothing behind
    for (RequestRecord r : requests) {
      Objects.requireNonNull(r, "requests must not contain null");
      checkSize(r.requestId(), "inputs", r.inputs());
    }
    synchronized (data) {
      checkOpen("append requests");
      for (RequestRecord r : requests) {
        if (!data.keys.containsKey(r.requestId())) {
          put(r, StoredRequest.pending(r));
        }
      }
    }
  }

  @Override
  public void complete(List<ResultRecord> results) {
    Objects.requireNonNull(results, "results must not be null");
    for (ResultRecord r : results) {
      Objects.requireNonNull(r, "results must not contain null");
      checkSize(r.requestId(), "inputs", r.request().inputs());
      checkSize(r.requestId(), "outputs", r.outputs());
    }
    synchronized (data) {
      checkOpen("complete results");
      for (ResultRecord r : results) {
        PageCursor k = data.keys.get(r.requestId());
        if (k == null) {
          put(r.request(), StoredRequest.completed(r));
        } else if (data.rows.get(k).status() == RequestStatus.PENDING) {
          data.rows.put(k, StoredRequest.completed(r));
        }
      }
    }
  }

  @Override
  public Optional<StoredRequest> get(String requestId) {
    Objects.requireNonNull(requestId, "request id must not be null; expected the id given at submit");
    synchronized (data) {
      checkOpen("read a request");
      PageCursor k = data.keys.get(requestId);
      return k == null ? Optional.empty() : Optional.of(data.rows.get(k));
    }
  }

  @Override
  public List<RequestRecord> pending() {
    synchronized (data) {
      checkOpen("read PENDING requests");
      List<RequestRecord> out = new ArrayList<>();
      for (StoredRequest s : data.rows.descendingMap().values()) {
        if (s.status() == RequestStatus.PENDING) {
          out.add(s.request());
        }
      }
      return out;
    }
  }

  @Override
  public Page<StoredRequest> history(HistoryQuery q) {
    Objects.requireNonNull(q, "query must not be null");
    Optional<PageCursor> after = PageCursor.from(q);
    synchronized (data) {
      checkOpen("query history");
      Map<PageCursor, StoredRequest> later = after.isPresent() ? data.rows.tailMap(after.get(), false) : data.rows;
      List<StoredRequest> fetched = new ArrayList<>();
      for (StoredRequest s : later.values()) {
        if (matches(q, s)) {
          fetched.add(s);
          if (fetched.size() > q.pageSize()) {
            break;
          }
        }
      }
      return PageCursor.page(q, fetched);
    }
  }

  /** Closes this handle: it refuses every call afterwards; the data stays for {@link #reopen()}. Idempotent. */
  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen(String what) {
    if (closed) {
      throw new StoreException("cannot " + what + ": the memory store is closed; expected an open store "
          + "(MemoryStore.reopen() opens its data again)");
    }
  }

  private void checkSize(String requestId, String what, NamedTensors tensors) {
    long bytes = tensors.asMap().values().stream().mapToLong(Tensor::byteSize).sum();
    if (bytes > maxRecordBytes) {
      throw new IllegalArgumentException("request " + requestId + ": " + what + " hold " + bytes + " bytes; expected "
          + "at most " + maxRecordBytes + " per record in the memory store");
    }
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
    PageCursor k = new PageCursor(r.submittedAt(), r.requestId());
    data.keys.put(r.requestId(), k);
    data.rows.put(k, row);
  }
}
