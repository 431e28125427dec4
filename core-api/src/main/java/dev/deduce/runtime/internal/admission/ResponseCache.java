package dev.deduce.runtime.internal.admission;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.Tensor;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.TensorCodec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable response cache. It adds nothing to the store: a cacheable request runs under a request id derived, like
 * an idempotency key's, from the model, the version, a time bucket of width ttl, a slot and the SHA-256 of its inputs, so
 * the result the runtime stores anyway is the cache entry, and {@link Store#get} by that id is the lookup. A lookup
 * reads the current and the previous bucket (an entry lives at most ttl, so it is in one of them) and serves an entry
 * only when it is DONE, of the same version, completed less than ttl ago, and its stored inputs equal the request's:
 * a hash collision can never answer with someone else's outputs.
 */
final class ResponseCache {

  private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);

  /** What a lookup found: an answer (stored, or an identical request's still running), or the id to run under. */
  record Decision(CompletableFuture<InferenceResult> answer, String id) {}

  /**
   * Ids per input and bucket: the store keeps the first outcome per id, so an id whose request FAILED (or is still
   * PENDING from an earlier run) cannot hold a later success; the next slot can. Past the last, a request runs under
   * a fresh id and fills nothing until the next bucket.
   */
  static final int SLOTS = 4;

  private final Store store;
  private final RuntimeMetrics metrics;
  /** Cacheable requests running now, by id: an identical request waits for the first rather than running again. */
  private final Map<String, CompletableFuture<InferenceResult>> running = new ConcurrentHashMap<>();

  ResponseCache(Store store, RuntimeMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  /** Looks {@code inputs} up for {@code v}; a miss names the id to run under (null: run under a fresh id). */
  Decision lookup(ServingVersion v, NamedTensors inputs) {
    Duration ttl = v.settings().cache().ttl();
    long now = System.currentTimeMillis();
    long bucket = now / Math.max(1, ttl.toMillis());
    String digest = digest(inputs);
    String first = id(v, bucket, 0, digest);
    CompletableFuture<InferenceResult> running = this.running.get(first);
    // a finished one is about to leave the map (its caller may hear first): the store answers for it
    if (running != null && !running.isDone()) {
      metrics.cache(v.model(), v.version(), true);
      return new Decision(running, null);
    }
    String free = null;
    for (long b = bucket; b >= bucket - 1; b--) {
      for (int slot = 0; slot < SLOTS; slot++) {
        String id = slot == 0 && b == bucket ? first : id(v, b, slot, digest);
        Optional<StoredRequest> found = read(id);
        if (found.isEmpty()) {
          free = b == bucket ? id : free;
          break; // slots fill in order: none after an empty one
        }
        StoredRequest s = found.get();
        if (serves(s, v, inputs, now, ttl)) {
          metrics.cache(v.model(), v.version(), true);
          // answered from the store: zero times and batch size 0, like a replayed idempotency key
          return new Decision(CompletableFuture.completedFuture(new InferenceResult(id, v.model(), s.version(),
              s.outputs(), Duration.ZERO, Duration.ZERO, Duration.ZERO, s.attempts(), 0)), null);
        }
      }
    }
    metrics.cache(v.model(), v.version(), false);
    return new Decision(null, free);
  }

  /**
   * Registers {@code future} as the running request for {@code id}; returns the one registered first instead, if an
   * identical request got there between lookup and now.
   */
  CompletableFuture<InferenceResult> running(String id, CompletableFuture<InferenceResult> future) {
    CompletableFuture<InferenceResult> first = running.putIfAbsent(id, future);
    if (first != null) {
      return first;
    }
    future.whenComplete((r, e) -> running.remove(id, future));
    return null;
  }

  private static boolean serves(StoredRequest s, ServingVersion v, NamedTensors inputs, long nowMillis,
      Duration ttl) {
    Instant completed = s.completedAt();
    return s.status() == RequestStatus.DONE && s.version().equals(v.version())
        && s.request().model().equals(v.model()) && completed != null
        && completed.plus(ttl).toEpochMilli() > nowMillis && s.request().inputs().equals(inputs);
  }

  private Optional<StoredRequest> read(String id) {
    try {
      return store.get(id);
    } catch (RuntimeException e) {
      // the cache only saves work: a store that cannot answer means running the model, never failing the request
      LOG.warn("response cache lookup of request {} failed; running the model instead: {}", id, e.toString());
      return Optional.empty();
    }
  }

  /** The id of entry {@code slot} for {@code digest} in {@code bucket}; callers' keys cannot hold control characters. */
  private static String id(ServingVersion v, long bucket, int slot, String digest) {
    return IdempotencyIndex.requestId(v.model(), "cache\u0000" + v.version() + '\u0000' + bucket + '\u0000' + slot
        + '\u0000' + digest);
  }

  /** SHA-256 over the inputs in name order: names, dtypes, shapes and data, as {@link TensorCodec} encodes them. */
  static String digest(NamedTensors inputs) {
    Map<String, Tensor> sorted = new TreeMap<>(inputs.asMap());
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(TensorCodec.encode(NamedTensors.of(sorted)));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM; every Java SE runtime has it", e);
    }
  }
}
