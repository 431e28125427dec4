package dev.deduce.store.sqlite;

import java.sql.SQLException;
import org.sqlite.SQLiteException;

/** Says in plain words what an SQLite result code means and what was expected instead. */
final class SqliteErrors {

  private SqliteErrors() {}

  /** What SQLite error {@code e} means for the caller, SQLite's own text kept in brackets. */
  static String explain(SQLException e, SqliteOptions options) {
    int code = e instanceof SQLiteException s ? s.getResultCode().code & 0xff : -1;
    String sqlite = e.getMessage();
    switch (code) {
      case 5: // SQLITE_BUSY
      case 6: // SQLITE_LOCKED
        return "the database is locked by another process or connection (waited " + options.busyTimeoutMillis()
            + " ms, option " + SqliteOptions.BUSY_TIMEOUT_MILLIS + "); expected no other process to hold an "
            + "exclusive or write lock on it [" + sqlite + "]";
      case 8: // SQLITE_READONLY
        return "the database is read-only; expected a writable file, or (for query()) a statement that only "
            + "reads [" + sqlite + "]";
      case 11: // SQLITE_CORRUPT
        return "the database file is corrupt [" + sqlite + "]";
      case 13: // SQLITE_FULL
        return "the disk is full [" + sqlite + "]";
      case 14: // SQLITE_CANTOPEN
        return "SQLite cannot open the file [" + sqlite + "]";
      case 26: // SQLITE_NOTADB
        return "the file is not an SQLite database [" + sqlite + "]";
      default:
        return sqlite;
    }
  }
}
