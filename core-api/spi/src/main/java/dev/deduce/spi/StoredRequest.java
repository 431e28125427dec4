package dev.deduce.spi;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request and, once it completed, its result, as read back from a store.
 *
 * @param request     the request as appended
 * @param status      where it stands
 * @param version     the version that ran it, or the request's version while PENDING
 * @param outputs     outputs when DONE, else empty
 * @param errorKind   failure kind when FAILED, else null
 * @param error       failure message when FAILED, else null
 * @param completedAt when it completed, else null
 * @param attempts    engine runs it took
 */
public record StoredRequest(RequestRecord request, RequestStatus status, String version, NamedTensors outputs,
    ErrorKind errorKind, String error, Instant completedAt, int attempts) {

  /** Rejects nulls where a value is required. */
  public StoredRequest {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(outputs, "outputs");
  }

  /** A PENDING request. */
  public static StoredRequest pending(RequestRecord request) {
    return new StoredRequest(request, RequestStatus.PENDING, request.version(), NamedTensors.empty(), null, null,
        null, 0);
  }

  /** The request as completed by {@code result}. */
  public static StoredRequest completed(ResultRecord result) {
    return new StoredRequest(result.request(), result.status(), result.version(), result.outputs(),
        result.errorKind(), result.error(), result.completedAt(), result.attempts());
  }

  /** The request id. */
  public String requestId() {
    return request.requestId();
  }

  /** When it completed, if it has. */
  public Optional<Instant> completed() {
    return Optional.ofNullable(completedAt);
  }
}
