package dev.deduce.flink.internal;

import dev.deduce.flink.RecordIds;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys a stream by record id, so the subtask that ran a record (and holds its answer) is the one that replays it. */
public final class IdKey<IN> implements KeySelector<IN, String> {

  private static final long serialVersionUID = 1L;

  private final RecordIds<IN> ids;

  /** Keys by {@code ids}. */
  public IdKey(RecordIds<IN> ids) {
    this.ids = ids;
  }

  @Override
  public String getKey(IN record) {
    return ids.id(record);
  }
}
