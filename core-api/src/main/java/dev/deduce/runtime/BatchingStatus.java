package dev.deduce.runtime;

import java.util.Optional;

/**
 * How one deployed model version combines requests, as its settings and the deploy-time checks decided.
 *
 * @param batched   whether requests share engine runs
 * @param paddedDim the named dimension requests are padded along to share a batch, if any
 * @param note      why the version is served unbatched although batching is on (its answers changed when batched);
 *                  empty otherwise
 */
public record BatchingStatus(boolean batched, Optional<String> paddedDim, Optional<String> note) {}
