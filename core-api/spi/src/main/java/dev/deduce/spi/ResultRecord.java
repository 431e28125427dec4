package dev.deduce.spi;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of a request, carrying the request itself so a store that never saw it (RESULTS mode) can insert it.
 *
 * @param request     the request
 * @param status      DONE or FAILED
 * @param version     the model version that ran it
 * @param outputs     the outputs when DONE, empty when FAILED
 * @param errorKind   the failure kind when FAILED, else null
 * @param error       the failure message when FAILED, else null
 * @param completedAt when it completed
 * @param attempts    engine runs it took
 */
public record ResultRecord(RequestRecord request, RequestStatus status, String version, NamedTensors outputs,
    ErrorKind errorKind, String error, Instant completedAt, int attempts) {

  /** Checks the status matches what is carried. */
  public ResultRecord {
    Objects.requireNonNull(request, "request must not be null");
    Objects.requireNonNull(status, "status must not be null");
    Objects.requireNonNull(version, "version must not be null");
    Objects.requireNonNull(outputs, "outputs must not be null");
    Objects.requireNonNull(completedAt, "completedAt must not be null");
    if (status == RequestStatus.PENDING) {
      throw new IllegalArgumentException("a result must be DONE or FAILED, got PENDING");
    }
    if (status == RequestStatus.FAILED && (errorKind == null || error == null)) {
      throw new IllegalArgumentException("a FAILED result needs an error kind and message");
    }
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts is " + attempts + "; expected 0 or more");
    }
  }

  /** A DONE result. */
  public static ResultRecord done(RequestRecord request, String version, NamedTensors outputs, Instant at,
      int attempts) {
    return new ResultRecord(request, RequestStatus.DONE, version, outputs, null, null, at, attempts);
  }

  /** A FAILED result. */
  public static ResultRecord failed(RequestRecord request, String version, ErrorKind kind, String message,
      Instant at, int attempts) {
    return new ResultRecord(request, RequestStatus.FAILED, version, NamedTensors.empty(), kind, message, at,
        attempts);
  }

  /** The request id. */
  public String requestId() {
    return request.requestId();
  }
}
