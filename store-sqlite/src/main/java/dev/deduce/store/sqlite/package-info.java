/**
 * The SQLite store plugin: requests and results in one SQLite database file, in WAL mode.
 *
 * <p>{@link dev.deduce.store.sqlite.SqliteStoreProvider} is the only public type; it is found through
 * {@link java.util.ServiceLoader} as a {@link dev.deduce.spi.StoreProvider} with id {@code sqlite}.
 *
 * <p>A write that fails (a full disk says "the disk is full") keeps nothing of its batch, and the store recovers
 * by itself: the next write succeeds as soon as SQLite can write again, with no restart.
 *
 * <p>{@code query()} runs exactly one read-only statement; text with a second statement after a {@code ;} (outside
 * literals and comments) is refused with {@link java.lang.IllegalArgumentException}, since SQLite would otherwise
 * run the first and silently skip the rest.
 */
package dev.deduce.store.sqlite;
