package dev.deduce.store.cozo;

import dev.deduce.api.StoreException;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;

/**
 * CozoDB stores (id {@code cozo}): the location is a folder holding {@code snapshot.json} and {@code data.log}.
 * Options (README): {@code runner} (auto, wasmtime, chicory), {@code embedding.output} and {@code embedding.dim} turn
 * on HNSW vector search over that result output, {@code embedding.distance} (L2, Cosine, IP),
 * {@code snapshot.journalBytes}, {@code snapshot.seconds}, {@code maxRecordBytes}.
 */
public final class CozoStoreProvider implements StoreProvider {

  /** Used by {@link java.util.ServiceLoader} and the plugin host. */
  public CozoStoreProvider() {}

  @Override
  public String id() {
    return "cozo";
  }

  @Override
  public Store open(StoreConfig config) {
    CozoStoreOptions options;
    try {
      options = CozoStoreOptions.from(config);
    } catch (IllegalArgumentException e) {
      throw new StoreException("cannot open Cozo store " + config.location() + ": " + e.getMessage(), e);
    }
    java.util.function.Supplier<CozoRunner> runners;
    try {
      runners = options.runner().factory();
    } catch (IllegalStateException e) {
      throw new StoreException("cannot open Cozo store " + config.location() + ": " + e.getMessage(), e);
    }
    return new CozoStore(config.location(), options, runners);
  }
}
