package dev.deduce.spi;

/** Opens stores of one kind; the unit a store plugin contributes. */
public interface StoreProvider {

  /** A short stable id such as {@code sqlite} or {@code cozo}. */
  String id();

  /**
   * Opens (creating if absent) the store at {@code config.location()}.
   *
   * @throws dev.deduce.api.StoreException naming the location when it cannot be opened
   */
  Store open(StoreConfig config);
}
