package dev.deduce.runtime.internal.pipeline;

import dev.deduce.runtime.ModelSettings;
import java.util.SortedSet;

/**
 * Decides, like Triton's dynamic batcher, how many queued requests of one batch key to run together now.
 *
 * <p>Counts rows (dimension 0): a batch is sent when it reaches the max size, when a preferred size is reachable, or
 * when its oldest request has waited the max queue delay. A single request larger than the max runs alone.
 */
final class Batcher {

  private final boolean batching;
  private final long maxRows;
  private final SortedSet<Integer> preferred;
  private final long delayNanos;

  Batcher(ModelSettings s, boolean signatureBatched) {
    this.batching = s.batchingEnabled() && signatureBatched && s.maxBatchSize() > 1;
    this.maxRows = s.maxBatchSize();
    this.preferred = s.preferredBatchSizes();
    this.delayNanos = s.maxQueueDelay().toNanos();
  }

  /** Whether requests are combined at all. */
  boolean batches() {
    return batching;
  }

  /** The most rows in one engine run when batching. */
  long maxRows() {
    return maxRows;
  }

  /** Whether a request that finds nothing queued is sent alone at once: batching off, or no queue delay. */
  boolean sendsAloneAtOnce() {
    return !batching || delayNanos == 0;
  }

  /**
   * Requests to take from the head of {@code group} now, or 0 to wait until {@link #sendBy}.
   *
   * @param flush send whatever is there without waiting (closing or retiring)
   */
  int take(Iterable<Request> group, long nowNanos, boolean flush) {
    if (!batching) {
      return 1;
    }
    long rows = 0;
    int n = 0;
    int preferredN = 0;
    Request head = null;
    for (Request r : group) {
      if (head == null) {
        head = r;
      }
      if (n > 0 && rows + r.rows > maxRows) {
        return n;
      }
      rows += r.rows;
      n++;
      if (rows >= maxRows) {
        return n;
      }
      if (rows <= Integer.MAX_VALUE && preferred.contains((int) rows)) {
        preferredN = n;
      }
    }
    if (head == null) {
      return 0;
    }
    if (flush || nowNanos - head.enqueuedNanos >= delayNanos) {
      return n;
    }
    return preferredN;
  }

  /** When the batch headed by {@code head} must be sent even if not full. */
  long sendBy(Request head) {
    return head.enqueuedNanos + delayNanos;
  }
}
