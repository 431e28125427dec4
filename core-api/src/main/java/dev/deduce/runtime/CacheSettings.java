package dev.deduce.runtime;

import static dev.deduce.config.internal.Checks.positive;

import java.time.Duration;

/**
 * {@code cache}: a request whose inputs (names, dtypes, shapes, bytes) equal those of a DONE result of the same
 * model version stored less than {@code ttl} ago is answered from the store without running the model. Needs a
 * store (durability RESULTS or DURABLE).
 *
 * @param enabled false (the default) runs every request
 * @param ttl     how long a stored result answers repeats, from when it completed; positive
 */
public record CacheSettings(boolean enabled, Duration ttl) {
  /** Checks the range. */
  public CacheSettings {
    positive("ttl", ttl);
  }
}
