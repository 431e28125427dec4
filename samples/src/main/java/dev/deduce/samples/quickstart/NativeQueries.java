package dev.deduce.samples.quickstart;

import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.Neighbour;
import dev.deduce.spi.Store;
import dev.deduce.spi.VectorSearch;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Questions the quickstart asks a store in its own language: SQL for SQLite, Datalog (CozoScript) for Cozo. Every
 * value travels as a parameter.
 */
abstract class NativeQueries {

  /** The queries for {@code store}'s native language. */
  static NativeQueries of(Store store) {
    String language = nativeQuery(store).language();
    switch (language) {
      case "sql": return new Sql();
      case "datalog": return new Datalog();
      default:
        throw new IllegalStateException("the store's query language is '" + language + "'; expected sql or datalog");
    }
  }

  /** The store's native query language. */
  static NativeQuery nativeQuery(Store store) {
    return store.nativeQuery().orElseThrow(() -> new IllegalStateException(
        "the store has no native query language; expected sql or datalog"));
  }

  static List<Map<String, Object>> query(Store store, String text, Map<String, Object> params) {
    return nativeQuery(store).query(text, params);
  }

  /** Every stored request. */
  abstract long stored(Store store);

  /** Stored requests still PENDING. */
  abstract long pending(Store store);

  /** Prints the queries and their answers; {@code probe} is an embedding to search around, or null. */
  abstract void report(Store store, PrintStream out, String probeId, float[] probe);

  static long single(List<Map<String, Object>> rows) {
    if (rows.isEmpty()) {
      return 0; // Cozo returns no row at all when an aggregation has nothing to aggregate
    }
    Object v = rows.get(0).values().iterator().next();
    return v == null ? 0 : ((Number) v).longValue();
  }

  static void print(PrintStream out, String language, String query, List<Map<String, Object>> rows) {
    out.println("  " + language + ":");
    for (String line : query.strip().split("\n")) {
      out.println("    " + line);
    }
    if (rows.isEmpty()) {
      out.println("    (no rows)");
      return;
    }
    List<String> headers = new ArrayList<>(rows.get(0).keySet());
    List<List<String>> cells = new ArrayList<>();
    int[] width = new int[headers.size()];
    for (int c = 0; c < headers.size(); c++) {
      width[c] = headers.get(c).length();
    }
    for (Map<String, Object> row : rows) {
      List<String> line = new ArrayList<>();
      int c = 0;
      for (Object v : row.values()) {
        String s = v instanceof Double || v instanceof Float ? decimal(((Number) v).doubleValue()) : String.valueOf(v);
        line.add(s);
        width[c] = Math.max(width[c], s.length());
        c++;
      }
      cells.add(line);
    }
    out.println("  ->");
    out.println("    " + row(headers, width));
    for (List<String> line : cells) {
      out.println("    " + row(line, width));
    }
  }

  /** Four decimals, or three significant digits for small values such as distances between near neighbours. */
  static String decimal(double d) {
    if (d != 0 && Math.abs(d) < 1e-3) {
      return String.format(Locale.ROOT, "%.3g", d);
    }
    return java.math.BigDecimal.valueOf(d).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
        .toPlainString();
  }

  private static String row(List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      b.append(String.format(Locale.ROOT, "%-" + width[c] + "s", cells.get(c)));
      if (c + 1 < cells.size()) {
        b.append("  ");
      }
    }
    return b.toString().stripTrailing();
  }

  /** SQLite: table {@code deduce_requests}, times in epoch nanoseconds. */
  static final class Sql extends NativeQueries {

    static final String PER_VERSION = """
        SELECT model, version, COUNT(*) AS requests,
               SUM(status = 'DONE') AS done, SUM(status = 'FAILED') AS failed,
               SUM(status = 'PENDING') AS pending,
               ROUND(AVG(completed_at - submitted_at) / 1e6, 3) AS avg_ms
        FROM deduce_requests
        GROUP BY model, version ORDER BY model, version""";
    static final String BUSIEST = """
        SELECT datetime(submitted_at / 1000000000, 'unixepoch') AS second_utc, COUNT(*) AS requests
        FROM deduce_requests
        GROUP BY submitted_at / 1000000000 ORDER BY requests DESC, second_utc LIMIT :limit""";

    @Override
    long stored(Store store) {
      return single(query(store, "SELECT COUNT(*) AS n FROM deduce_requests", Map.of()));
    }

    @Override
    long pending(Store store) {
      return single(query(store, "SELECT COUNT(*) AS n FROM deduce_requests WHERE status = :status",
          Map.of("status", "PENDING")));
    }

    @Override
    void report(Store store, PrintStream out, String probeId, float[] probe) {
      out.println("Requests per model version (SQL over the SQLite file):");
      print(out, "sql", PER_VERSION, query(store, PER_VERSION, Map.of()));
      out.println("Busiest seconds, all runs (SQL):");
      print(out, "sql", BUSIEST, query(store, BUSIEST, Map.of("limit", 3)));
    }
  }

  /** Cozo: relation {@code deduce_request} and, with embeddings, {@code deduce_embedding} with its HNSW index. */
  static final class Datalog extends NativeQueries {

    static final String PER_VERSION = """
        ?[model, version, status, count(id)] := *deduce_request{id, model, run_version: version, status}
        :order model, version, status""";
    static final String NEAREST = """
        ?[dist, id, version, status] :=
            ~deduce_embedding:nearest{id | query: vec($q), k: $k, ef: 50, bind_distance: dist},
            *deduce_request{id, run_version: version, status}
        :order dist, id""";

    @Override
    long stored(Store store) {
      return single(query(store, "?[count(id)] := *deduce_request{id}", Map.of()));
    }

    @Override
    long pending(Store store) {
      return single(query(store, "?[count(id)] := *deduce_request{id, status}, status == $status",
          Map.of("status", "PENDING")));
    }

    @Override
    void report(Store store, PrintStream out, String probeId, float[] probe) {
      out.println("Requests per model version (Datalog over Cozo):");
      print(out, "datalog", PER_VERSION, query(store, PER_VERSION, Map.of()));
      Optional<VectorSearch> search = store.vectorSearch();
      if (probe == null || search.isEmpty()) {
        return;
      }
      List<Object> q = new ArrayList<>();
      for (float f : probe) {
        q.add(f);
      }
      out.println("Nearest neighbours of request " + probeId + "'s " + QuickstartModel.EMBEDDING + " "
          + format(probe) + " (Datalog, HNSW index):");
      print(out, "datalog", NEAREST, query(store, NEAREST, Map.of("q", q, "k", 5)));
      List<String> hits = new ArrayList<>();
      for (Neighbour n : search.get().nearest(probe, 5)) {
        hits.add(n.requestId() + " (" + decimal(n.distance()) + ")");
      }
      out.println("  VectorSearch.nearest(k=5): " + String.join(", ", hits));
    }

    private static String format(float[] v) {
      List<String> s = new ArrayList<>();
      for (float f : v) {
        s.add(decimal(f));
      }
      return "[" + String.join(", ", s) + "]";
    }
  }
}
