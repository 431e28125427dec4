package dev.deduce.runtime;

import static dev.deduce.config.internal.Checks.range;

import dev.deduce.config.SettingException;
import java.util.Map;

/**
 * {@code priority}: requests carry a level ({@code RequestOptions.priority}, 0 the lowest); the batcher takes the
 * highest waiting level first, and levels never share a batch. Each level has its own queue bound and overload
 * answer. Starvation is bounded: after {@code starvationLimit} batches in a row taken while an older request of a
 * lower level waited, the next batch is the one whose first request waited longest.
 *
 * @param levels          1 to 16; 1 = no priorities
 * @param defaultLevel    the level of a request that names none, 0 to levels - 1
 * @param starvationLimit batches a waiting lower level may be passed over in a row, 1 or more
 * @param queues          per level ("0", "1", ...): its queue capacity and max wait; a level not listed has
 *                        {@code queue}'s
 */
public record PrioritySettings(int levels, int defaultLevel, int starvationLimit,
    Map<String, ModelSettings.Queue> queues) {
  /** Most priority levels. */
  public static final int MAX_LEVELS = 16;

  /** Checks the ranges and that every listed level exists. */
  public PrioritySettings {
    range("levels", levels, 1, MAX_LEVELS);
    range("default-level", defaultLevel, 0, levels - 1);
    range("starvation-limit", starvationLimit, 1, Integer.MAX_VALUE);
    for (String level : queues.keySet()) {
      if (!level.matches("0|[1-9][0-9]?") || Integer.parseInt(level) >= levels) {
        throw new SettingException("queues", level, "levels 0 to " + (levels - 1) + " (priority.levels is "
            + levels + ")");
      }
    }
    queues = Map.copyOf(queues);
  }

  /** The queue bound and overload answer of {@code level}: its own, or {@code base}. */
  public ModelSettings.Queue queue(int level, ModelSettings.Queue base) {
    return queues.getOrDefault(Integer.toString(level), base);
  }
}
