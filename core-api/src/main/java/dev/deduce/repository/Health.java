package dev.deduce.repository;

import java.util.List;
import java.util.Objects;

/**
 * Liveness and readiness of a Deduce host, with the reasons behind them.
 *
 * @param live    whether the runtime can take requests at all (it is not closed)
 * @param ready   whether it is live, its store is open and every configured model has a serving version
 * @param reasons what is wrong, one line each naming the model or path, including versions served but not as
 *                configured (e.g. unbatched because batching changed their answers); empty when all is well
 */
public record Health(boolean live, boolean ready, List<String> reasons) {

  /** Copies the reasons. */
  public Health {
    reasons = List.copyOf(Objects.requireNonNull(reasons, "reasons must not be null"));
  }
}
