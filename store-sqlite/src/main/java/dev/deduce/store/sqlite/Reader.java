package dev.deduce.store.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** A read-only connection with its prepared statements kept for reuse. Used by one thread at a time. */
final class Reader implements AutoCloseable {

  final Connection connection;
  // bounded by construction: history builds at most 64 distinct statements (five optional filters and a token)
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  Reader(Connection connection) {
    this.connection = connection;
  }

  /** The prepared form of {@code sql}, prepared once per connection. */
  PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  @Override
  public void close() throws SQLException {
    for (PreparedStatement ps : statements.values()) {
      ps.close();
    }
    statements.clear();
    connection.close();
  }
}
