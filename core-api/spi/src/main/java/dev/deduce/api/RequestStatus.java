package dev.deduce.api;

/** Where a stored request stands. */
public enum RequestStatus {
  /** Accepted and durable, not yet completed. */
  PENDING,
  /** Completed with outputs. */
  DONE,
  /** Completed with an error. */
  FAILED
}
