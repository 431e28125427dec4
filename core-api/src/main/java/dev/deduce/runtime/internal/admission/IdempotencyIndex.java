package dev.deduce.runtime.internal.admission;

import dev.deduce.api.InferenceResult;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Remembers the first request per (model, idempotency key), up to a bound, oldest forgotten first. The request id is
 * derived from the key, so the store also finds the first request's result after the key was forgotten or the
 * runtime restarted.
 */
public final class IdempotencyIndex {

  private final int maxKeys;
  private final Map<String, CompletableFuture<InferenceResult>> firsts;

  /** Remembers at most {@code maxKeys} keys. */
  public IdempotencyIndex(int maxKeys) {
    this.maxKeys = maxKeys;
    this.firsts = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<InferenceResult>> eldest) {
        return size() > IdempotencyIndex.this.maxKeys;
      }
    };
  }

  /** The request id every submission of {@code key} to {@code model} gets. */
  public static String requestId(String model, String key) {
    return "idem-" + UUID.nameUUIDFromBytes((model + '\u0000' + key).getBytes(StandardCharsets.UTF_8));
  }

  /** Registers {@code future} as the first for the key, or returns the one registered before. */
  public synchronized CompletableFuture<InferenceResult> putIfAbsent(String model, String key,
      CompletableFuture<InferenceResult> future) {
    return firsts.putIfAbsent(model + '\u0000' + key, future);
  }

  /** Forgets {@code future} for the key: the request it stood for was rejected before it was accepted. */
  public synchronized void remove(String model, String key, CompletableFuture<InferenceResult> future) {
    firsts.remove(model + '\u0000' + key, future);
  }
}
