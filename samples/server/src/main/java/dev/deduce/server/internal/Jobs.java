package dev.deduce.server.internal;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.host.DeduceHost;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.spi.StoredRequest;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Durable asynchronous jobs: a job is a request submitted with an idempotency key, so its id is the request id the
 * store keeps it under ({@link DeduceRuntime#requestIdFor}); in DURABLE mode {@code submit} returns only once the
 * request is stored, and a restarted runtime re-runs what was PENDING. Its state is always read from the store.
 */
public final class Jobs {

  private final Gateway gateway;
  private final DeduceHost host;
  private final Duration deadline;

  Jobs(Gateway gateway, DeduceHost host, Duration deadline) {
    this.gateway = gateway;
    this.host = host;
    this.deadline = deadline;
  }

  /**
   * Submits a job and returns its id once it is durable.
   *
   * @param key     the client's idempotency key; null: a fresh one, so the job is new
   * @param timeout the client's deadline; null: the server's job deadline
   * @throws ApiException 501 when the runtime is not DURABLE, else as the request's own failure maps
   */
  public String submit(String model, String version, NamedTensors inputs, String key, Duration timeout) {
    requireDurable();
    String k = key != null ? key : "job-" + UUID.randomUUID();
    RequestOptions options = Gateway.options(timeout != null ? timeout : deadline, k);
    CompletableFuture<InferenceResult> f = gateway.submit(model, version, inputs, options);
    if (f.isCompletedExceptionally()) {
      ApiException e = gateway.map(f.handle((r, t) -> t).join(), model);
      // rejected at admission (bad input, unknown model, overload): nothing was stored, so the client hears it now.
      // Any other failure (deadline, engine) is the job's outcome, already stored and read back by lookup().
      switch (e.kind()) {
        case BAD_REQUEST: case NOT_FOUND: case OVERLOADED: case NOT_READY: throw e;
        default: break;
      }
    }
    return DeduceRuntime.requestIdFor(model, k);
  }

  /**
   * The stored state of job {@code id}.
   *
   * @throws ApiException 404 when the store has no such job
   */
  public StoredRequest lookup(String id) {
    requireDurable();
    return host.store().flatMap(s -> s.get(id)).orElseThrow(() -> new ApiException(ApiException.Kind.NOT_FOUND,
        "no job '" + id + "'; expected the id a POST to /v2/models/{model}/jobs answered with"));
  }

  private void requireDurable() {
    Durability d = host.runtime().durability();
    if (d != Durability.DURABLE || host.store().isEmpty()) {
      throw new ApiException(ApiException.Kind.NOT_IMPLEMENTED, "jobs need durability DURABLE and a store, so that"
          + " an accepted job survives a crash; this server runs " + d + (host.store().isEmpty() ? " without a store"
          : "") + " (setting deduce.durability or --durability DURABLE)");
    }
  }
}
