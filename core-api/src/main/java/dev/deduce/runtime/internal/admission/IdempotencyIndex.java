package dev.deduce.runtime.internal.admission;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Remembers the first request per (model, idempotency key), within a bound on the bytes it holds: once over it, the
 * oldest finished entries are forgotten first. A request still running is never forgotten, so a repeat of its key
 * waits for it rather than running again. The request id is derived from the key, so the store also finds the first
 * request's result after the key was forgotten or the runtime restarted.
 */
public final class IdempotencyIndex {

  // what an entry costs besides its key and outputs: the map node, the entry, the future and the result object
  static final long ENTRY_OVERHEAD_BYTES = 256;

  private static final class Entry {
    final CompletableFuture<InferenceResult> future;
    long bytes;
    boolean finished;

    Entry(CompletableFuture<InferenceResult> future, long bytes) {
      this.future = future;
      this.bytes = bytes;
    }
  }

  private final long maxBytes;
  private final Map<String, Entry> firsts = new LinkedHashMap<>(); // oldest first
  private long bytes;

  /** Holds at most about {@code maxBytes} of keys and results, besides the requests still running. */
  public IdempotencyIndex(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes is " + maxBytes + "; expected 0 or more");
    }
    this.maxBytes = maxBytes;
  }

  /** The request id every submission of {@code key} to {@code model} gets. */
  public static String requestId(String model, String key) {
    return "idem-" + UUID.nameUUIDFromBytes((model + '\u0000' + key).getBytes(StandardCharsets.UTF_8));
  }

  /** Registers {@code future} as the first for the key, or returns the one registered before. */
  public CompletableFuture<InferenceResult> putIfAbsent(String model, String key,
      CompletableFuture<InferenceResult> future) {
    String k = model + '\u0000' + key;
    Entry entry;
    synchronized (this) {
      Entry first = firsts.get(k);
      if (first != null) {
        return first.future;
      }
      entry = new Entry(future, ENTRY_OVERHEAD_BYTES + 2L * k.length());
      firsts.put(k, entry);
      bytes += entry.bytes;
    }
    // outside the lock: a future completed already runs this at once
    future.whenComplete((result, error) -> finished(k, entry, result));
    return null;
  }

  /** Forgets {@code future} for the key: the request it stood for was rejected before it was accepted. */
  public synchronized void remove(String model, String key, CompletableFuture<InferenceResult> future) {
    String k = model + '\u0000' + key;
    Entry e = firsts.get(k);
    if (e != null && e.future == future) {
      firsts.remove(k);
      bytes -= e.bytes;
    }
  }

  /** Bytes held now, by the estimate the bound applies to. */
  public synchronized long bytes() {
    return bytes;
  }

  /** Keys remembered now. */
  public synchronized int size() {
    return firsts.size();
  }

  private synchronized void finished(String k, Entry e, InferenceResult result) {
    if (firsts.get(k) != e) {
      return; // removed before it finished
    }
    long outputs = 0;
    if (result != null) {
      for (Tensor t : result.outputs().asMap().values()) {
        outputs += t.byteSize();
      }
    }
    e.bytes += outputs;
    e.finished = true;
    bytes += outputs;
    for (Iterator<Entry> it = firsts.values().iterator(); bytes > maxBytes && it.hasNext(); ) {
      Entry old = it.next();
      if (old.finished) {
        it.remove();
        bytes -= old.bytes;
      }
    }
  }
}
