package dev.deduce.server.internal;

import io.grpc.Status;

/** A failure to answer a client with: the protocol status it maps to and a message saying what was wrong. */
public final class ApiException extends RuntimeException {

  /** The statuses a request can fail with, over HTTP and over gRPC. */
  public enum Kind {
    BAD_REQUEST(400, Status.Code.INVALID_ARGUMENT),
    NOT_FOUND(404, Status.Code.NOT_FOUND),
    METHOD_NOT_ALLOWED(405, Status.Code.UNIMPLEMENTED),
    TOO_LARGE(413, Status.Code.RESOURCE_EXHAUSTED),
    UNSUPPORTED_MEDIA_TYPE(415, Status.Code.INVALID_ARGUMENT),
    // Triton and TorchServe users asked for 429 on overload rather than 503, so clients can tell "slow down" from "down"
    OVERLOADED(429, Status.Code.RESOURCE_EXHAUSTED),
    INTERNAL(500, Status.Code.INTERNAL),
    NOT_IMPLEMENTED(501, Status.Code.UNIMPLEMENTED),
    NOT_READY(503, Status.Code.UNAVAILABLE),
    DEADLINE(504, Status.Code.DEADLINE_EXCEEDED);

    private final int http;
    private final Status.Code grpc;

    Kind(int http, Status.Code grpc) {
      this.http = http;
      this.grpc = grpc;
    }

    /** The HTTP status code. */
    public int http() {
      return http;
    }

    /** The gRPC status code. */
    public Status.Code grpc() {
      return grpc;
    }
  }

  private final Kind kind;

  /** A failure of {@code kind}; the message goes to the client as it is. */
  public ApiException(Kind kind, String message) {
    super(message, null, false, false); // a client error needs no stack trace: it is never logged as a fault
    this.kind = kind;
  }

  /** A 400 failure. */
  public static ApiException bad(String message) {
    return new ApiException(Kind.BAD_REQUEST, message);
  }

  /** What status this failure maps to. */
  public Kind kind() {
    return kind;
  }
}
