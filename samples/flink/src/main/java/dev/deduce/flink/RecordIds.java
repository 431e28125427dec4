package dev.deduce.flink;

import java.io.Serializable;

/**
 * The record's own id: stable across replays, unique per logical record. It becomes the request's idempotency key, so
 * a record Flink replays after a restore gets the answer of its first run instead of running again.
 */
@FunctionalInterface
public interface RecordIds<IN> extends Serializable {

  /** The id of {@code record}: 1 to 256 characters, no control characters. */
  String id(IN record);
}
