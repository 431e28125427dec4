package dev.deduce.store.sqlite;

import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;

/**
 * Opens stores kept in one SQLite database file (id {@code sqlite}); the location is the file.
 *
 * <p>Options: {@code synchronous} = {@code FULL} (default: every write call is synced to disk before it returns,
 * so acknowledged writes survive a power loss, as the {@link Store} contract promises) or {@code NORMAL} (WAL
 * syncs only at checkpoints: acknowledged writes survive a process crash but the last ones may be lost on a power
 * loss or OS crash, for several times the DURABLE throughput on slow disks); {@code readers} = reader connections (default 2);
 * {@code busyTimeoutMillis} = wait for another process's lock (default 5000); {@code maxRecordBytes} = largest
 * encoded record (default 256 MiB); {@code maxQueryRows} = most rows {@code query()} returns (default 100,000).
 * The store offers read-only SQL over table {@code deduce_requests} through {@code Store.query}.
 */
public final class SqliteStoreProvider implements StoreProvider {

  /** Id under which the store is configured. */
  public static final String ID = "sqlite";

  /** A provider; stateless. */
  public SqliteStoreProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Store open(StoreConfig config) {
    return SqliteStore.open(java.util.Objects.requireNonNull(config, "store config must not be null"));
  }
}
