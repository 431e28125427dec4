package dev.deduce.store.sqlite;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Child-process main: holds an exclusive write lock on a database until its stdin closes. */
public final class LockHolder {

  private LockHolder() {}

  public static void main(String[] args) throws SQLException, IOException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA locking_mode = EXCLUSIVE");
      s.execute("BEGIN EXCLUSIVE");
      s.execute("CREATE TABLE IF NOT EXISTS held_by_other_process (x INTEGER)");
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold the lock until the parent closes our stdin or kills us
      }
      s.execute("ROLLBACK");
    }
  }
}
