package dev.deduce.store.sqlite;

import dev.deduce.api.StoreException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sqlite.SQLiteException;

/** The checks and the row reading of {@code Store.query}: one read-only statement, at most so many rows. */
final class UserQuery {

  private static final List<String> READ_ONLY = List.of("SELECT", "WITH", "VALUES", "EXPLAIN");

  private UserQuery() {}

  /**
   * The parameters of {@code text} once it is known to be one statement that starts read-only.
   *
   * @throws IllegalArgumentException for text that starts with another keyword or holds a second statement:
   *                                  SQLite would prepare the first statement and silently skip the rest
   */
  static SqlParameters check(String text) {
    String keyword = firstKeyword(text);
    if (!READ_ONLY.contains(keyword)) {
      throw new IllegalArgumentException("query() runs read-only statements; got '"
          + (keyword.isEmpty() ? text.strip() : keyword) + "', expected one starting with SELECT, WITH, VALUES or "
          + "EXPLAIN");
    }
    SqlParameters parameters = SqlParameters.scan(text);
    int second = parameters.secondStatementAt();
    if (second >= 0) {
      String rest = text.substring(second).strip();
      throw new IllegalArgumentException("query() runs one statement; the text has another after the ';' ('"
          + (rest.length() > 40 ? rest.substring(0, 40) + "…" : rest) + "'). Expected a single statement, "
          + "optionally ending with ';': run each statement in its own query() call");
    }
    return parameters;
  }

  private static String firstKeyword(String text) {
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (text.startsWith("--", i)) {
        int end = text.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (text.startsWith("/*", i)) {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    int j = i;
    while (j < n && Character.isLetter(text.charAt(j))) {
      j++;
    }
    return text.substring(i, j).toUpperCase(Locale.ROOT);
  }

  /** The rows of {@code ps}, integers as {@code Long}; more than {@code maxRows} of them is refused. */
  static List<Map<String, Object>> rows(PreparedStatement ps, int maxRows, Path file) throws SQLException {
    try (ResultSet rs = executeQuery(ps)) {
      ResultSetMetaData meta = rs.getMetaData();
      String[] names = columnNames(meta);
      List<Map<String, Object>> rows = new ArrayList<>();
      while (rs.next()) {
        if (rows.size() == maxRows) {
          throw new StoreException("query on SQLite store at " + file + " returned more than "
              + maxRows + " rows; expected at most that many (option " + SqliteOptions.MAX_QUERY_ROWS
              + "). Add a LIMIT or narrow the query.");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
          Object v = rs.getObject(i + 1);
          row.put(names[i], v instanceof Integer n ? Long.valueOf(n) : v);
        }
        rows.add(Collections.unmodifiableMap(row));
      }
      return Collections.unmodifiableList(rows);
    }
  }

  /**
   * sqlite-jdbc refuses, before running it, a statement that yields no columns (e.g. {@code WITH ... DELETE}); that
   * refusal is reported as the caller's mistake rather than a store failure.
   */
  private static ResultSet executeQuery(PreparedStatement ps) throws SQLException {
    try {
      return ps.executeQuery();
    } catch (SQLException e) {
      if (!(e instanceof SQLiteException) && String.valueOf(e.getMessage()).startsWith("Query does not return")) {
        throw new IllegalArgumentException("the statement returns no rows; expected a read-only statement that "
            + "returns rows, such as SELECT", e);
      }
      throw e;
    }
  }

  private static String[] columnNames(ResultSetMetaData meta) throws SQLException {
    String[] names = new String[meta.getColumnCount()];
    for (int i = 0; i < names.length; i++) {
      String base = meta.getColumnLabel(i + 1);
      String name = base;
      // a join may repeat a column name; later ones get a suffix instead of hiding the first
      for (int k = 2; contains(names, i, name); k++) {
        name = base + "_" + k;
      }
      names[i] = name;
    }
    return names;
  }

  private static boolean contains(String[] names, int upTo, String name) {
    for (int i = 0; i < upTo; i++) {
      if (names[i].equals(name)) {
        return true;
      }
    }
    return false;
  }
}
