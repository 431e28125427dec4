package dev.deduce.runtime;

/** What the runtime writes to the store, and when. */
public enum Durability {
  /** Nothing is stored; requests and results live in memory only. */
  NONE,
  /** Results are stored after completion; a crash loses queued requests. */
  RESULTS,
  /** Each request is stored as PENDING before submit returns, and re-run on the next start if it never completed. */
  DURABLE
}
