package dev.deduce.api;

import java.util.Objects;

/**
 * One element of a stream with options of its own, such as its own idempotency key.
 *
 * @param inputs  the request's inputs
 * @param options the request's options
 */
public record StreamElement(NamedTensors inputs, RequestOptions options) {

  /** Rejects nulls. */
  public StreamElement {
    Objects.requireNonNull(inputs, "stream element inputs must not be null");
    Objects.requireNonNull(options, "stream element options must not be null; use RequestOptions.defaults()");
  }

  /** An element with default options. */
  public static StreamElement of(NamedTensors inputs) {
    return new StreamElement(inputs, RequestOptions.defaults());
  }

  /** An element with {@code options}. */
  public static StreamElement of(NamedTensors inputs, RequestOptions options) {
    return new StreamElement(inputs, options);
  }
}
