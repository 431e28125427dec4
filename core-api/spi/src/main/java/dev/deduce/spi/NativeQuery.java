package dev.deduce.spi;

import java.util.List;
import java.util.Map;

/** A store's own read-only query language over its tables or relations: an optional store feature. */
public interface NativeQuery {

  /** The language, e.g. {@code sql} or {@code datalog}. */
  String language();

  /**
   * Runs a read-only query in {@link #language()} with {@code params} bound as parameters, never spliced into the
   * text; one map per row, column name to value.
   *
   * @throws IllegalArgumentException when the text is empty or a parameter cannot be bound
   * @throws dev.deduce.api.StoreException when the store rejects or cannot run the query, e.g. a write
   */
  List<Map<String, Object>> query(String text, Map<String, Object> params);
}
