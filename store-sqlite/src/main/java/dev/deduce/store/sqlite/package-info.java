/**
 * The SQLite store plugin: requests and results in one SQLite database file, in WAL mode.
 *
 * <p>{@link dev.deduce.store.sqlite.SqliteStoreProvider} is the only public type; it is found through
 * {@link java.util.ServiceLoader} as a {@link dev.deduce.spi.StoreProvider} with id {@code sqlite}.
 */
package dev.deduce.store.sqlite;
