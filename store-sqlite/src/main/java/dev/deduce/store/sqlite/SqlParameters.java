package dev.deduce.store.sqlite;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Binds a query's parameters by name or position. sqlite-jdbc binds by index only, so the indexes SQLite gives
 * named parameters are worked out here with SQLite's own rule: {@code ?} takes the next index, {@code ?NNN} takes
 * NNN, and a name takes the next index the first time it appears and the same index after.
 */
final class SqlParameters {

  private final Map<String, Integer> names; // ":id", "@id" or "$id" -> index
  private final int count;
  private final int secondStatementAt;

  private SqlParameters(Map<String, Integer> names, int count, int secondStatementAt) {
    this.names = names;
    this.count = count;
    this.secondStatementAt = secondStatementAt;
  }

  /**
   * The parameters of {@code sql}, skipping string literals, quoted identifiers and comments, and where a second
   * statement starts if there is one.
   */
  static SqlParameters scan(String sql) {
    Map<String, Integer> names = new LinkedHashMap<>();
    int max = 0;
    int second = -1;
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        i = skipQuoted(sql, i, c);
      } else if (c == '[') {
        int end = sql.indexOf(']', i + 1);
        i = end < 0 ? n : end + 1;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (c == ';') {
        i++;
        if (second < 0) {
          second = nextStatement(sql, i);
        }
      } else if (c == '?') {
        int j = i + 1;
        while (j < n && Character.isDigit(sql.charAt(j))) {
          j++;
        }
        max = j > i + 1 ? Math.max(max, Integer.parseInt(sql.substring(i + 1, j))) : max + 1;
        i = j;
      } else if ((c == ':' || c == '@' || c == '$') && i + 1 < n && isNameChar(sql.charAt(i + 1))) {
        int j = i + 1;
        while (j < n && isNameChar(sql.charAt(j))) {
          j++;
        }
        String name = sql.substring(i, j);
        if (!names.containsKey(name)) {
          names.put(name, ++max);
        }
        i = j;
      } else if (isNameChar(c)) {
        // a whole word, so that a ':' or '$' inside an identifier is not read as a parameter
        while (i < n && (isNameChar(sql.charAt(i)) || sql.charAt(i) == '$')) {
          i++;
        }
      } else {
        i++;
      }
    }
    return new SqlParameters(names, max, second);
  }

  /** Where the text after the first {@code ;} outside literals and comments starts, or -1 if nothing follows. */
  int secondStatementAt() {
    return secondStatementAt;
  }

  /** Where the first text that is not blank, a comment or a {@code ;} starts, or -1 if there is none. */
  private static int nextStatement(String sql, int from) {
    int i = from;
    int n = sql.length();
    while (i < n) {
      if (Character.isWhitespace(sql.charAt(i)) || sql.charAt(i) == ';') {
        i++;
      } else if (sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (sql.startsWith("/*", i)) {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        return i;
      }
    }
    return -1;
  }

  /**
   * Binds {@code params} to {@code ps}. Keys are names ({@code id} or {@code :id}, {@code @id}, {@code $id}) or
   * 1-based positions ({@code 1} or {@code ?1}).
   *
   * @throws IllegalArgumentException when a key is not in the query, a parameter has no value, or a value's type
   *                                  cannot be bound
   */
  void bind(PreparedStatement ps, Map<String, Object> params) throws SQLException {
    boolean[] bound = new boolean[count + 1];
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String key = Objects.requireNonNull(e.getKey(), "query parameter names must not be null");
      int index = indexOf(key);
      set(ps, index, key, e.getValue());
      bound[index] = true;
    }
    for (int i = 1; i <= count; i++) {
      if (!bound[i]) {
        throw new IllegalArgumentException("query parameter " + describe(i) + " has no value; expected a value in "
            + "params for every parameter of the query");
      }
    }
  }

  private int indexOf(String key) {
    String position = key.startsWith("?") ? key.substring(1) : key;
    if (!position.isEmpty() && position.chars().allMatch(Character::isDigit)) {
      int index = Integer.parseInt(position);
      if (index < 1 || index > count) {
        throw new IllegalArgumentException("query parameter position " + key + " is out of range; the query has "
            + count + " parameter(s)");
      }
      return index;
    }
    char first = key.isEmpty() ? ' ' : key.charAt(0);
    if (first == ':' || first == '@' || first == '$') {
      Integer index = names.get(key);
      if (index == null) {
        throw notInQuery(key);
      }
      return index;
    }
    Integer found = null;
    for (char prefix : new char[] {':', '@', '$'}) {
      Integer index = names.get(prefix + key);
      if (index != null) {
        if (found != null) {
          throw new IllegalArgumentException("query parameter '" + key + "' is ambiguous: the query uses it with "
              + "more than one prefix; expected the key with its prefix, e.g. ':" + key + "'");
        }
        found = index;
      }
    }
    if (found == null) {
      throw notInQuery(key);
    }
    return found;
  }

  private IllegalArgumentException notInQuery(String key) {
    return new IllegalArgumentException("query parameter '" + key + "' does not appear in the query; expected one "
        + "of " + names.keySet() + (count > 0 ? " or a position 1.." + count : ""));
  }

  private String describe(int index) {
    for (Map.Entry<String, Integer> e : names.entrySet()) {
      if (e.getValue() == index) {
        return e.getKey() + " (position " + index + ")";
      }
    }
    return "at position " + index;
  }

  private static void set(PreparedStatement ps, int index, String key, Object value) throws SQLException {
    if (value == null) {
      ps.setNull(index, java.sql.Types.NULL);
    } else if (value instanceof String s) {
      ps.setString(index, s);
    } else if (value instanceof Long || value instanceof Integer || value instanceof Short
        || value instanceof Byte) {
      ps.setLong(index, ((Number) value).longValue());
    } else if (value instanceof Double || value instanceof Float) {
      ps.setDouble(index, ((Number) value).doubleValue());
    } else if (value instanceof Boolean b) {
      ps.setInt(index, b ? 1 : 0);
    } else if (value instanceof byte[] bytes) {
      ps.setBytes(index, bytes);
    } else if (value instanceof Instant t) {
      // the tables keep times as epoch nanoseconds
      ps.setLong(index, Rows.deadlineNanos(t));
    } else {
      throw new IllegalArgumentException("query parameter '" + key + "' is a " + value.getClass().getName()
          + "; expected null, String, a whole number, Double, Float, Boolean, byte[] or Instant");
    }
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c > 0x7f;
  }

  private static int skipQuoted(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2; // doubled quote inside the literal
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return i;
  }
}
