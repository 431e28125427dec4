package dev.deduce.store.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's one write connection: one transaction per call, under one lock. It recovers by itself from a failed
 * write (a full disk, say), so the next write succeeds as soon as SQLite can write again.
 *
 * <p>Why it needs to: sqlite-jdbc closes a prepared statement for good when {@code execute()} fails with anything
 * but a busy or constraint error, and SQLite rolls a transaction back by itself on {@code SQLITE_FULL}, so the
 * explicit {@code ROLLBACK} that follows fails ("no transaction is active") and is closed. The next failure then
 * left its transaction open with no working {@code ROLLBACK}, {@code BEGIN} failed inside it and was closed too,
 * and every later write failed with "statement is not executing" until the process restarted.
 */
final class Writer implements AutoCloseable {

  /** Binds the rows of one batch to {@code ps}, calling {@code addBatch()} per row. */
  interface Batch {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private final Connection connection;
  private final Runnable ensureOpen;
  private final String appendSql;
  private final String completeSql;
  private final ReentrantLock lock = new ReentrantLock();
  private PreparedStatement begin;
  private PreparedStatement commit;
  private PreparedStatement append;
  private PreparedStatement complete;
  // set by a failed write: a transaction may still be open and a statement may have been closed by the driver
  private boolean unsettled;

  Writer(Connection connection, String appendSql, String completeSql, Runnable ensureOpen) throws SQLException {
    this.connection = connection;
    this.appendSql = appendSql;
    this.completeSql = completeSql;
    this.ensureOpen = ensureOpen;
    prepare();
  }

  private void prepare() throws SQLException {
    begin = connection.prepareStatement("BEGIN IMMEDIATE");
    commit = connection.prepareStatement("COMMIT");
    append = connection.prepareStatement(appendSql);
    complete = connection.prepareStatement(completeSql);
  }

  /**
   * Runs the append statement over {@code appends}, then the complete statement over {@code outcomes}, in one
   * transaction (either may be null); on failure nothing of it is kept.
   */
  void write(Batch appends, Batch outcomes) throws SQLException {
    lock.lock();
    try {
      ensureOpen.run();
      if (unsettled) {
        settle();
      }
      try {
        begin.execute();
        run(append, appends);
        run(complete, outcomes);
        commit.execute();
      } catch (SQLException | RuntimeException e) {
        unsettled = true;
        try {
          settle();
        } catch (SQLException r) {
          // the next write settles again; the caller hears the first reason, which is the one that matters
          e.addSuppressed(r);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private static void run(PreparedStatement ps, Batch batch) throws SQLException {
    if (batch == null) {
      return;
    }
    try {
      batch.bind(ps);
      ps.executeBatch();
    } finally {
      ps.clearBatch();
    }
  }

  /** Ends any transaction a failed write left open and replaces the statements the driver may have closed. */
  private void settle() throws SQLException {
    // a statement of its own: a failing ROLLBACK would close a kept one
    try (Statement s = connection.createStatement()) {
      s.execute("ROLLBACK");
    } catch (SQLException e) {
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        throw e;
      }
    }
    closeStatements();
    prepare();
    unsettled = false;
  }

  /** The integer a {@code PRAGMA} returns, run on the write connection. */
  int pragmaInt(String pragma) throws SQLException {
    lock.lock();
    try {
      ensureOpen.run();
      return Schema.pragmaInt(connection, pragma);
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code PRAGMA optimize}, then closes the statements and the connection. */
  @Override
  public void close() throws SQLException {
    lock.lock();
    try {
      try (Statement s = connection.createStatement()) {
        // keeps the query planner's statistics current for users' own SQL
        s.execute("PRAGMA optimize");
      } catch (SQLException e) {
        // best effort: it only refreshes statistics, and it fails on a full disk, where closing matters most
      }
      try {
        closeStatements();
      } finally {
        connection.close();
      }
    } finally {
      lock.unlock();
    }
  }

  private void closeStatements() throws SQLException {
    for (PreparedStatement ps : List.of(begin, commit, append, complete)) {
      ps.close();
    }
  }
}
