package dev.deduce.store.sqlite;

import dev.deduce.api.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The Deduce tables, versioned by {@code PRAGMA user_version} and migrated forward on open. */
final class Schema {

  /** {@code PRAGMA application_id} of a Deduce database: "DDCE". */
  static final int APPLICATION_ID = 0x44444345;

  static final String TABLE = "deduce_requests";

  /** Migration {@code i} takes a database from version {@code i} to {@code i + 1}. */
  private static final List<List<String>> MIGRATIONS = List.of(
      List.of(
          """
          CREATE TABLE deduce_requests (
            request_id        TEXT    NOT NULL PRIMARY KEY,
            model             TEXT    NOT NULL,
            requested_version TEXT    NOT NULL,
            version           TEXT    NOT NULL,
            status            TEXT    NOT NULL CHECK (status IN ('PENDING', 'DONE', 'FAILED')),
            submitted_at      INTEGER NOT NULL,
            deadline          INTEGER NOT NULL,
            idempotency_key   TEXT,
            inputs            BLOB    NOT NULL,
            outputs           BLOB,
            error_kind        TEXT,
            error             TEXT,
            completed_at      INTEGER,
            attempts          INTEGER NOT NULL DEFAULT 0
          )""",
          "CREATE INDEX deduce_requests_by_time ON deduce_requests (submitted_at, request_id)",
          "CREATE INDEX deduce_requests_by_model ON deduce_requests (model, submitted_at, request_id)",
          "CREATE INDEX deduce_requests_pending ON deduce_requests (submitted_at, request_id) "
              + "WHERE status = 'PENDING'"));

  /** The schema version this plugin writes. */
  static final int LATEST = MIGRATIONS.size();

  private Schema() {}

  /**
   * Refuses a database this plugin must not write: another application's, or a newer Deduce schema. Runs before
   * anything is written, so a refused file is left exactly as it was.
   */
  static void checkVersion(Connection c, Path file) throws SQLException {
    int appId = pragmaInt(c, "application_id");
    int version = pragmaInt(c, "user_version");
    if (appId != 0 && appId != APPLICATION_ID) {
      throw new StoreException("cannot open SQLite store at " + file + ": it belongs to another application "
          + "(application_id 0x" + Integer.toHexString(appId) + "); expected a Deduce database (application_id 0x"
          + Integer.toHexString(APPLICATION_ID) + ") or a new file. The file was left untouched.");
    }
    if (appId == 0 && version != 0) {
      throw new StoreException("cannot open SQLite store at " + file + ": it is another application's versioned "
          + "database (user_version " + version + ", no Deduce application_id); expected a Deduce database or a "
          + "new file. The file was left untouched.");
    }
    if (version > LATEST) {
      throw newer(file, version);
    }
  }

  /** Applies the missing migrations in one transaction; the caller has checked the version. */
  static void migrate(Connection c, Path file) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      try {
        // read again under the write lock: another process may have migrated since the check
        int version = pragmaInt(c, "user_version");
        if (version > LATEST) {
          throw newer(file, version);
        }
        for (int v = version; v < LATEST; v++) {
          for (String ddl : MIGRATIONS.get(v)) {
            s.execute(ddl);
          }
        }
        if (version < LATEST) {
          // PRAGMA takes no bound parameters; both values are constants of this class
          s.execute("PRAGMA application_id = " + APPLICATION_ID);
          s.execute("PRAGMA user_version = " + LATEST);
        }
        s.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        s.execute("ROLLBACK");
        throw e;
      }
    }
  }

  private static StoreException newer(Path file, int version) {
    return new StoreException("cannot open SQLite store at " + file + ": its schema is version " + version
        + ", newer than version " + LATEST + " that this plugin knows; expected version " + LATEST
        + " or older. Upgrade the SQLite store plugin. The file was left untouched.");
  }

  static int pragmaInt(Connection c, String pragma) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + pragma)) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
