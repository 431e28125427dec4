package dev.deduce.spi;

import dev.deduce.api.NamedTensors;
import java.time.Instant;
import java.util.Objects;

/**
 * A request as the store keeps it.
 *
 * @param requestId      unique id; stores are idempotent by it
 * @param model          the model name
 * @param version        the model version it was routed to, or empty for "serving default"
 * @param inputs         the input tensors
 * @param submittedAt    when it was accepted
 * @param deadline       when it stops being worth running
 * @param idempotencyKey the caller's key, or null
 */
public record RequestRecord(String requestId, String model, String version, NamedTensors inputs,
    Instant submittedAt, Instant deadline, String idempotencyKey) {

  /** Rejects nulls (but for the idempotency key). */
  public RequestRecord {
    Objects.requireNonNull(requestId, "requestId must not be null");
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(version, "version must not be null (use \"\" for the serving default)");
    Objects.requireNonNull(inputs, "inputs must not be null");
    Objects.requireNonNull(submittedAt, "submittedAt must not be null");
    Objects.requireNonNull(deadline, "deadline must not be null");
    if (requestId.isBlank()) {
      throw new IllegalArgumentException("requestId is blank; expected a non-empty id");
    }
  }
}
