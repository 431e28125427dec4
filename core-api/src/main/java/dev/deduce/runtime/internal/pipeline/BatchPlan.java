package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.NamedTensors;

/**
 * How a version's requests share engine runs, as the checks at deploy decided: whether they are batched, why not when
 * batching is on but they are not, the padding that lets different lengths share a batch, and an input the model is
 * known to run.
 *
 * @param batch   whether requests are batched together (batching on, the signature batchable, the answers invariant)
 * @param note    why the version is served unbatched although batching is on, for logs, health and status; "" if not
 * @param padding padding along a named dimension, or null
 * @param probe   an input the model ran at deploy: when a lone request fails, running it tells a sick engine from a
 *                bad input; null when there is none
 */
public record BatchPlan(boolean batch, String note, Padding padding, NamedTensors probe) {

  /** Batch as the settings and signature allow, no padding, nothing noted, no probe. */
  public static BatchPlan none(boolean batch) {
    return new BatchPlan(batch, "", null, null);
  }
}
