package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The request rows read most recently, so that reading one again costs no Cozo call (about 150-200 us on wasmtime,
 * most of it Cozo's own per-script work). The response cache and idempotency keys look the same ids up again and
 * again. Only this store changes its rows, always under its lock, and this is used under that lock too: a write
 * forgets the ids it touches before it runs, and whatever moves rows wholesale (an engine rebuilt from disk, a
 * compaction's new offsets) changes the epoch, which forgets everything.
 */
final class RecentRows {

  private final int capacity;
  private final LinkedHashMap<String, JsonNode> rows;
  private int epoch;

  /** Keeps at most {@code capacity} rows, the least recently read leaving first; 0 keeps none. */
  RecentRows(int capacity) {
    this.capacity = capacity;
    this.rows = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, JsonNode> eldest) {
        return size() > RecentRows.this.capacity;
      }
    };
  }

  /** The row of {@code id} as read in {@code epoch}, or null. */
  JsonNode get(String id, int epoch) {
    if (epoch != this.epoch) {
      rows.clear();
      this.epoch = epoch;
    }
    return rows.get(id);
  }

  /** Remembers {@code row}, just read from Cozo in {@code epoch}. */
  void put(String id, JsonNode row, int epoch) {
    if (capacity > 0 && epoch == this.epoch) {
      rows.put(id, row);
    }
  }

  /** Forgets {@code ids}, about to be written. */
  void forget(Collection<String> ids) {
    if (!rows.isEmpty()) {
      for (String id : ids) {
        rows.remove(id);
      }
    }
  }

  int size() {
    return rows.size();
  }
}
