package dev.deduce.spi;

/**
 * A vector-search hit.
 *
 * @param requestId the request whose result embedding matched
 * @param distance  its distance from the query vector
 */
public record Neighbour(String requestId, double distance) {}
