package dev.deduce.runtime.internal.durability;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Answers a repeated idempotency key from the store: the first request's result or error, from an earlier run. */
public final class StoredResults {

  private final Store store; // null when nothing is stored

  public StoredResults(Store store) {
    this.store = store;
  }

  /** The store read, or null when nothing is stored. */
  public Store store() {
    return store;
  }

  /**
   * The stored outcome of request {@code id}, if it finished; empty when unknown or still PENDING. A store failure is
   * the caller's error (a {@link StoreException}), never a silent re-run.
   */
  public Optional<CompletableFuture<InferenceResult>> finished(String id) {
    if (store == null) {
      return Optional.empty();
    }
    Optional<StoredRequest> found;
    try {
      found = store.get(id);
    } catch (RuntimeException e) {
      return Optional.of(CompletableFuture.failedFuture(new StoreException("looking up idempotent request " + id
          + " failed: " + e.getMessage(), e)));
    }
    if (found.isEmpty() || found.get().status() == RequestStatus.PENDING) {
      return Optional.empty();
    }
    StoredRequest s = found.get();
    if (s.status() == RequestStatus.DONE) {
      // a replayed result ran in an earlier call: zero times, batch size 0
      return Optional.of(CompletableFuture.completedFuture(new InferenceResult(id, s.request().model(), s.version(),
          s.outputs(),
          Duration.ZERO, Duration.ZERO, Duration.ZERO, s.attempts(), 0)));
    }
    return Optional.of(CompletableFuture.failedFuture(s.errorKind().exception(
        "stored result of the first request with this idempotency key: " + s.error())));
  }
}
