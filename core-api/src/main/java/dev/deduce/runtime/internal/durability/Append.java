package dev.deduce.runtime.internal.durability;

import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DURABLE request on its way into the store. Its result may catch up with it: a result attached before the writer
 * takes the append is stored instead of the bare request, in the same store call as the rest of its group
 * ({@code complete} inserts a request the store never saw), which saves the second write of the row.
 */
public final class Append {

  /** The writer has taken the append: a result arriving now goes into the store on its own, after it. */
  private static final Object TAKEN = new Object();

  final RequestRecord record;
  final long deadlineNanos;
  /** When (System.nanoTime) the model's recent runs say its result will be ready. */
  final long resultDueNanos;
  final CompletableFuture<Void> stored = new CompletableFuture<>();
  /** null while open, then the attached ResultRecord or TAKEN. */
  private final AtomicReference<Object> outcome = new AtomicReference<>();

  Append(RequestRecord record, long deadlineNanos, long resultDueNanos) {
    this.record = record;
    this.deadlineNanos = deadlineNanos;
    this.resultDueNanos = resultDueNanos;
  }

  /** Completes once the store holds the request; fails with a StoreException or DeadlineExceededException. */
  public CompletableFuture<Void> stored() {
    return stored;
  }

  /** Rides {@code result} along with the request, if the writer has not taken it yet. */
  boolean attach(ResultRecord result) {
    return outcome.compareAndSet(null, result);
  }

  /** Whether its result may still ride along: none attached, not taken, not failed. */
  boolean awaitsResult() {
    return outcome.get() == null && !stored.isDone();
  }

  /** Closes the append to late results; returns the one attached before, or null. Writer thread only. */
  ResultRecord take() {
    Object o = outcome.getAndSet(TAKEN);
    return o instanceof ResultRecord r ? r : null;
  }
}
