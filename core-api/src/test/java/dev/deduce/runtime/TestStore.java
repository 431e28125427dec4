package dev.deduce.runtime;

import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@link MemoryStore} behind a switchboard for failure injection: writes can be made to fail (a number of
 * times, or for good, as a crashed process's would), and every result handed to the store is counted by request id.
 */
final class TestStore implements Store {

  final MemoryStore inner;
  final Map<String, Integer> completions = new ConcurrentHashMap<>();
  final AtomicInteger failAppends = new AtomicInteger();
  final AtomicInteger failCompletes = new AtomicInteger();
  final AtomicInteger appendCalls = new AtomicInteger();
  final AtomicInteger completeCalls = new AtomicInteger();
  private volatile boolean severed;
  /** While set, every append call waits for it to open: a stalled disk. */
  volatile java.util.concurrent.CountDownLatch appendStall;
  /** Append calls waiting in {@link #appendStall} now. */
  final AtomicInteger stalledAppends = new AtomicInteger();
  /** Request ids in the order their appends reached the store. */
  final Set<String> appended = ConcurrentHashMap.newKeySet();
  /** Request ids whose append reached the store after their result had: a result stored ahead of its request. */
  final Set<String> appendAfterResult = ConcurrentHashMap.newKeySet();
  /** Request ids stored whole: their result came with the request, which no append had stored. */
  final Set<String> storedWhole = ConcurrentHashMap.newKeySet();
  /** Whether {@link #appendAfterResult} and {@link #storedWhole} are kept: DURABLE runs only. */
  volatile boolean checkOrder;
  /** Requests whose idempotency key starts with this are refused as malformed, failing the whole call. */
  volatile String refusedKeyPrefix;

  TestStore(MemoryStore inner) {
    this.inner = inner;
  }

  /** Every later write fails: the process that owns this connection is gone. */
  void sever() {
    severed = true;
  }

  @Override
  public void append(List<RequestRecord> requests) {
    appendCalls.incrementAndGet();
    java.util.concurrent.CountDownLatch stall = appendStall;
    if (stall != null) {
      stalledAppends.incrementAndGet();
      try {
        stall.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the disk stalled", e);
      } finally {
        stalledAppends.decrementAndGet();
      }
    }
    if (severed || failAppends.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("disk full while appending " + requests.size() + " requests");
    }
    for (RequestRecord r : requests) {
      refuseIfMarked(r);
    }
    inner.append(requests);
    for (RequestRecord r : requests) {
      appended.add(r.requestId());
      if (checkOrder && completions.containsKey(r.requestId())) {
        appendAfterResult.add(r.requestId());
      }
    }
  }

  @Override
  public void complete(List<ResultRecord> results) {
    completeCalls.incrementAndGet();
    if (severed || failCompletes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("disk full while completing " + results.size() + " results");
    }
    for (ResultRecord r : results) {
      refuseIfMarked(r.request());
    }
    for (ResultRecord r : results) {
      completions.merge(r.requestId(), 1, Integer::sum);
      if (checkOrder && !appended.contains(r.requestId())) {
        storedWhole.add(r.requestId());
      }
    }
    inner.complete(results);
  }

  private void refuseIfMarked(RequestRecord r) {
    String prefix = refusedKeyPrefix;
    if (prefix != null && r.idempotencyKey() != null && r.idempotencyKey().startsWith(prefix)) {
      throw new IllegalArgumentException("record " + r.requestId() + " is malformed for this store");
    }
  }

  @Override
  public Optional<StoredRequest> get(String requestId) {
    return inner.get(requestId);
  }

  @Override
  public List<RequestRecord> pending() {
    return inner.pending();
  }

  @Override
  public Page<StoredRequest> history(HistoryQuery query) {
    return inner.history(query);
  }

  @Override
  public void close() {
    inner.close();
  }
}
