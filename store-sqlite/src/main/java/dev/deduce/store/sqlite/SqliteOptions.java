package dev.deduce.store.sqlite;

import dev.deduce.api.StoreException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The validated options of one SQLite store.
 *
 * @param synchronous       {@code FULL} (default: synced before each write returns) or {@code NORMAL}
 * @param readers           reader connections in the pool
 * @param busyTimeoutMillis how long a statement waits for another connection's lock before failing
 * @param maxRecordBytes    largest encoded request plus result accepted
 * @param maxQueryRows      most rows {@code query()} returns before failing
 */
record SqliteOptions(String synchronous, int readers, int busyTimeoutMillis, long maxRecordBytes,
    int maxQueryRows) {

  static final String SYNCHRONOUS = "synchronous";
  static final String READERS = "readers";
  static final String BUSY_TIMEOUT_MILLIS = "busyTimeoutMillis";
  static final String MAX_RECORD_BYTES = "maxRecordBytes";
  static final String MAX_QUERY_ROWS = "maxQueryRows";

  // SQLite refuses strings and blobs over SQLITE_MAX_LENGTH, 1e9 bytes in the bundled build.
  static final long SQLITE_MAX_LENGTH = 1_000_000_000L;

  private static final Set<String> KNOWN =
      Set.of(SYNCHRONOUS, READERS, BUSY_TIMEOUT_MILLIS, MAX_RECORD_BYTES, MAX_QUERY_ROWS);

  /** Reads {@code options}, rejecting unknown keys and out-of-range values with a message naming {@code file}. */
  static SqliteOptions parse(Map<String, String> options, Path file) {
    for (String key : options.keySet()) {
      if (!KNOWN.contains(key)) {
        throw invalid(file, "unknown option '" + key + "'; expected one of " + new TreeSet<>(KNOWN));
      }
    }
    // FULL by default: the Store contract says a write is durable when the call returns, power loss included
    String sync = options.getOrDefault(SYNCHRONOUS, "FULL").trim().toUpperCase(Locale.ROOT);
    if (!sync.equals("NORMAL") && !sync.equals("FULL")) {
      throw invalid(file, "option synchronous is '" + options.get(SYNCHRONOUS) + "'; expected NORMAL or FULL");
    }
    return new SqliteOptions(sync,
        (int) number(options, READERS, 2, 1, 64, file),
        (int) number(options, BUSY_TIMEOUT_MILLIS, 5_000, 0, 600_000, file),
        number(options, MAX_RECORD_BYTES, 256L << 20, 1, SQLITE_MAX_LENGTH, file),
        (int) number(options, MAX_QUERY_ROWS, 100_000, 1, 100_000_000, file));
  }

  private static long number(Map<String, String> options, String key, long fallback, long min, long max,
      Path file) {
    String text = options.get(key);
    if (text == null) {
      return fallback;
    }
    long value;
    try {
      value = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw invalid(file, "option " + key + " is '" + text + "'; expected a whole number from " + min + " to " + max);
    }
    if (value < min || value > max) {
      throw invalid(file, "option " + key + " is " + value + "; expected " + min + " to " + max);
    }
    return value;
  }

  private static StoreException invalid(Path file, String what) {
    return new StoreException("cannot open SQLite store at " + file + ": " + what);
  }
}
