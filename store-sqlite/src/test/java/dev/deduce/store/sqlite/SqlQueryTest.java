package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.Records.T0;
import static dev.deduce.store.sqlite.Records.config;
import static dev.deduce.store.sqlite.Records.done;
import static dev.deduce.store.sqlite.Records.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.StoreException;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.TensorCodec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's native query capability: read-only SQL with bound parameters. */
class SqlQueryTest {

  @TempDir
  Path dir;

  Store store;
  RequestRecord a = request("a", "iris", "1", T0);
  RequestRecord b = request("b", "iris", "2", T0.plusSeconds(1));
  RequestRecord c = request("c", "mnist", "1", T0.plusSeconds(2));

  @BeforeEach
  void open() {
    store = new SqliteStoreProvider().open(config(dir.resolve("q.db"), Map.of("maxQueryRows", "2")));
    store.append(List.of(a, b, c));
    store.complete(List.of(done(b)));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void rowsComeBackAsMapsWithTensorBlobsAsBytes() {
    List<Map<String, Object>> rows = query(store, 
        "SELECT request_id, status, attempts, submitted_at, inputs, outputs FROM deduce_requests "
            + "WHERE request_id = :id", Map.of("id", "b"));

    assertThat(rows).hasSize(1);
    Map<String, Object> row = rows.get(0);
    assertThat(row).containsEntry("request_id", "b").containsEntry("status", "DONE").containsEntry("attempts", 1L);
    assertThat(row.get("submitted_at")).isEqualTo(T0.plusSeconds(1).getEpochSecond() * 1_000_000_000L
        + T0.getNano());
    assertThat(TensorCodec.decode((byte[]) row.get("inputs"))).isEqualTo(b.inputs());
    assertThat(TensorCodec.decode((byte[]) row.get("outputs"))).isEqualTo(done(b).outputs());
  }

  @Test
  void namedParametersBindWithAnyPrefixAndRepeatedNamesShareAValue() {
    List<Map<String, Object>> rows = query(store, 
        "SELECT request_id FROM deduce_requests WHERE model = :model AND (version = @v OR :model = 'x') "
            + "AND submitted_at >= $from ORDER BY request_id", Map.of(":model", "iris", "v", "2", "from", T0));
    assertThat(rows).extracting(r -> r.get("request_id")).containsExactly("b");
  }

  @Test
  void positionalParametersBindByNumber() {
    List<Map<String, Object>> rows = query(store, 
        "SELECT request_id FROM deduce_requests WHERE model = ? AND version = ?2 ORDER BY request_id",
        Map.of("1", "iris", "?2", "1"));
    assertThat(rows).extracting(r -> r.get("request_id")).containsExactly("a");
  }

  @Test
  void parameterLookalikesInStringsAndCommentsAreNotParameters() {
    List<Map<String, Object>> rows = query(store, 
        "SELECT ':not' AS s, \"request_id\" -- :nor ?\n /* @this */ FROM deduce_requests WHERE request_id = :id",
        Map.of("id", "c"));
    assertThat(rows).containsExactly(Map.of("s", ":not", "request_id", "c"));
  }

  @Test
  void valuesAreBoundNeverSpliced() {
    List<Map<String, Object>> rows = query(store, "SELECT request_id FROM deduce_requests WHERE model = :m",
        Map.of("m", "iris' OR '1'='1"));
    assertThat(rows).isEmpty();
  }

  @Test
  void writingStatementsAreRefusedAndChangeNothing() {
    assertThatThrownBy(() -> query(store, "DELETE FROM deduce_requests", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 'DELETE', expected one starting with SELECT, WITH, VALUES or EXPLAIN");
    assertThatThrownBy(() -> query(store, "PRAGMA query_only = OFF", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> query(store, 
        "WITH doomed AS (SELECT request_id FROM deduce_requests) DELETE FROM deduce_requests", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns no rows");

    assertThat(query(store, "SELECT count(*) AS n FROM deduce_requests", Map.of())).containsExactly(Map.of("n", 3L));
    assertThat(store.pending()).containsExactly(a, c);
  }

  @Test
  void aSecondStatementAfterASemicolonIsRefusedAndNothingRuns() {
    assertThatThrownBy(() -> query(store, "SELECT 1; DELETE FROM deduce_requests", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query() runs one statement; the text has another after the ';' "
            + "('DELETE FROM deduce_requests')")
        .hasMessageContaining("run each statement in its own query() call");
    assertThatThrownBy(() -> query(store, "SELECT 1 /* x */ ; -- note\n SELECT 2", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("('SELECT 2')");

    assertThat(query(store, "SELECT count(*) AS n FROM deduce_requests", Map.of())).containsExactly(Map.of("n", 3L));
  }

  @Test
  void aTrailingSemicolonOrOneInsideALiteralOrCommentIsOneStatement() {
    assertThat(query(store, "SELECT ';' AS s; -- done; really\n", Map.of())).containsExactly(Map.of("s", ";"));
    assertThat(query(store, "SELECT \"a;b\" FROM (SELECT 1 AS \"a;b\") /* ; DELETE */ ;;", Map.of()))
        .containsExactly(Map.of("a;b", 1L));
  }

  @Test
  void parameterMistakesAreExplained() {
    String sql = "SELECT request_id FROM deduce_requests WHERE model = :model";
    assertThatThrownBy(() -> query(store, sql, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query parameter :model (position 1) has no value");
    assertThatThrownBy(() -> query(store, sql, Map.of("model", "iris", "extra", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query parameter 'extra' does not appear in the query; expected one of [:model]");
    assertThatThrownBy(() -> query(store, sql, Map.of("model", new Object())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected null, String, a whole number");
    assertThatThrownBy(() -> query(store, sql, Map.of("2", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("position 2 is out of range; the query has 1 parameter(s)");
    Map<String, Object> nullValue = new HashMap<>();
    nullValue.put("model", null);
    assertThat(query(store, sql, nullValue)).isEmpty();
  }

  @Test
  void sqlErrorsNameTheStoreAndCarrySqlitesMessage() {
    assertThatThrownBy(() -> query(store, "SELECT nope FROM deduce_requests", Map.of()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("q.db")
        .hasMessageContaining("no such column: nope");
  }

  @Test
  void resultsOverTheRowLimitFailInsteadOfFillingMemory() {
    assertThat(query(store, "SELECT request_id FROM deduce_requests LIMIT 2", Map.of())).hasSize(2);
    assertThatThrownBy(() -> query(store, "SELECT request_id FROM deduce_requests", Map.of()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("returned more than 2 rows")
        .hasMessageContaining("Add a LIMIT");
  }

  @Test
  void repeatedColumnNamesAreKeptWithASuffix() {
    List<Map<String, Object>> rows = query(store, 
        "SELECT x.request_id, y.request_id FROM deduce_requests x JOIN deduce_requests y ON y.request_id = 'a' "
            + "WHERE x.request_id = 'b'", Map.of());
    assertThat(rows).containsExactly(Map.of("request_id", "b", "request_id_2", "a"));
  }

  /** The store's native query language, which this store always offers. */
  private static List<Map<String, Object>> query(Store s, String text, Map<String, Object> params) {
    return s.nativeQuery().orElseThrow().query(text, params);
  }
}
