package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.NamedTensors;
import java.util.Optional;

/**
 * What the checks at deploy found about a version: whether its requests may share an engine run, why not when they
 * may not, and an input it is known to run.
 *
 * @param batch whether requests are batched together (batching on, the signature batchable, the answers invariant)
 * @param note  why the version is served unbatched although batching is on, for logs, health and status; "" if not
 * @param probe an input the model ran at deploy: when a lone request fails, running it tells a sick engine from a bad
 *              input; null when there is none
 */
public record DeployChecks(boolean batch, String note, NamedTensors probe) {

  /** Batch as the settings and signature allow, nothing noted, no probe: for versions deployed without checks. */
  public static DeployChecks none(boolean batch) {
    return new DeployChecks(batch, "", null);
  }

  /** The probe input, if any. */
  public Optional<NamedTensors> probeInput() {
    return Optional.ofNullable(probe);
  }
}
