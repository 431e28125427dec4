package dev.deduce.store.cozo;

import static dev.deduce.store.cozo.Fixtures.done;
import static dev.deduce.store.cozo.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Neighbour;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.VectorSearch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CozoStoreTest {

  @TempDir
  Path dir;
  Store store;

  @BeforeEach
  void open() {
    store = open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  static Store open(Path dir) {
    return open(dir, "auto");
  }

  static Store open(Path dir, String runner) {
    return new CozoStoreProvider().open(new StoreConfig(dir, Map.of("embedding.output", "emb", "embedding.dim",
        "3", "runner", runner)));
  }

  @Test
  void providerIsFoundByServiceLoaderAsCozo() {
    assertThat(ServiceLoader.load(dev.deduce.spi.StoreProvider.class).stream().map(p -> p.get().id()))
        .contains("cozo");
    assertThat(store.nativeQuery()).map(NativeQuery::language).contains("datalog");
    assertThat(store.vectorSearch()).isPresent();
  }

  @Test
  void appendIgnoresExistingIdsAndReadsBackVerbatim() {
    RequestRecord a = request("a", 1);
    store.append(List.of(a));
    RequestRecord changed = new RequestRecord("a", "other", "9", a.inputs(), a.submittedAt(), a.deadline(), null);
    store.append(List.of(changed, a));
    StoredRequest got = store.get("a").orElseThrow();
    assertThat(got.request()).isEqualTo(a);
    assertThat(got.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(store.get("missing")).isEmpty();
  }

  @Test
  void firstOutcomeWinsAndUnseenRequestsAreInserted() {
    RequestRecord a = request("a", 1);
    store.append(List.of(a));
    store.complete(List.of(done(a, 1, 0, 0)));
    store.complete(List.of(ResultRecord.failed(a, "1", ErrorKind.ENGINE, "late failure", Fixtures.T0, 2)));
    StoredRequest got = store.get("a").orElseThrow();
    assertThat(got.status()).isEqualTo(RequestStatus.DONE);
    assertThat(got.outputs().get("emb").toFloatArray()).containsExactly(1, 0, 0);
    assertThat(got.completedAt()).isEqualTo(Fixtures.T0.plusSeconds(100));

    RequestRecord b = request("b", 2);
    store.complete(List.of(ResultRecord.failed(b, "2", ErrorKind.ENGINE, "boom", Fixtures.T0, 3)));
    StoredRequest failed = store.get("b").orElseThrow();
    assertThat(failed.request()).isEqualTo(b);
    assertThat(failed.status()).isEqualTo(RequestStatus.FAILED);
    assertThat(failed.errorKind()).isEqualTo(ErrorKind.ENGINE);
    assertThat(failed.error()).isEqualTo("boom");
    assertThat(failed.attempts()).isEqualTo(3);
    assertThat(store.pending()).isEmpty();
  }

  @Test
  void hostileIdIsStoredVerbatimAndChangesNothingElse() {
    RequestRecord normal = request("normal", 1);
    String hostile = "\"] :rm deduce_request {} ::remove deduce_request '$id";
    RequestRecord evil = new RequestRecord(hostile, "m\"}; ::remove x", "v", normal.inputs(),
        normal.submittedAt().plusSeconds(1), normal.deadline(), "'] :put");
    store.append(List.of(normal, evil));
    store.complete(List.of(done(evil, 1, 1, 1)));
    assertThat(store.get(hostile).orElseThrow().request()).isEqualTo(evil);
    assertThat(store.get("normal").orElseThrow().request()).isEqualTo(normal);
    assertThat(store.history(HistoryQuery.all()).items()).hasSize(2);
    assertThat(store.history(HistoryQuery.all().withModel("m\"}; ::remove x")).items())
        .extracting(StoredRequest::requestId).containsExactly(hostile);
  }

  @Test
  void pendingIsOldestFirst() {
    store.append(List.of(request("late", 5), request("early", 1), request("mid", 3)));
    assertThat(store.pending()).extracting(RequestRecord::requestId).containsExactly("early", "mid", "late");
  }

  @Test
  void historyIsNewestFirstFilteredAndPaged() {
    List<RequestRecord> all = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      all.add(request("r" + i, i));
    }
    store.append(all);
    store.complete(List.of(done(all.get(2), 0, 1, 0)));
    HistoryQuery q = HistoryQuery.all().withPageSize(3);
    List<String> seen = new ArrayList<>();
    Page<StoredRequest> page = store.history(q);
    while (true) {
      page.items().forEach(s -> seen.add(s.requestId()));
      var next = q.next(page);
      if (next.isEmpty()) {
        break;
      }
      q = next.get();
      page = store.history(q);
    }
    assertThat(seen).containsExactly("r6", "r5", "r4", "r3", "r2", "r1", "r0");
    assertThat(store.history(HistoryQuery.all().withStatus(RequestStatus.DONE)).items())
        .extracting(StoredRequest::requestId).containsExactly("r2");
    assertThat(store.history(HistoryQuery.all().between(Fixtures.T0.plusSeconds(2), Fixtures.T0.plusSeconds(4)))
        .items()).extracting(StoredRequest::requestId).containsExactly("r3", "r2");
    assertThat(store.history(HistoryQuery.all().withModel("nope")).items()).isEmpty();
  }

  @Test
  void foreignPageTokenIsRejected() {
    HistoryQuery bad = new HistoryQuery(null, null, null, null, null, 10, "garbage");
    assertThatThrownBy(() -> store.history(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("page token 'garbage' is not a history page token");
  }

  @Test
  void datalogQueryBindsParametersAndIsReadOnly() {
    store.append(List.of(request("a", 1), request("b", 2)));
    List<Map<String, Object>> rows = query(store, "?[id, status] := *deduce_request{id, status}, id == $id",
        Map.of("id", "b"));
    assertThat(rows).containsExactly(Map.of("id", "b", "status", "PENDING"));
    for (String write : List.of("?[id] <- [['x']] :rm deduce_request {id}",
        "?[id, model] <- [['a', 'x']] :update deduce_request {id => model}", "::remove deduce_request",
        ":create evil {a: Int}", "::hnsw drop deduce_embedding:nearest", "::rename deduce_request -> gone",
        "::set_triggers deduce_request on put { ?[a] <- [[1]] }", "::compact")) {
      assertThatThrownBy(() -> query(store, write, Map.of())).as(write).isInstanceOf(StoreException.class)
          .hasMessageStartingWith("Cozo: ").hasMessageContaining("read-only");
    }
    assertThat(store.history(HistoryQuery.all()).items()).hasSize(2);
    assertThatThrownBy(() -> query(store, "?[x] := x = 1 |||", Map.of())).isInstanceOf(StoreException.class)
        .hasMessageContaining("parser");
  }

  @Test
  void nearestReturnsClosestEmbeddingsAndSurvivesReopen() throws Exception {
    RequestRecord a = request("a", 1);
    RequestRecord b = request("b", 2);
    RequestRecord c = request("c", 3);
    store.complete(List.of(done(a, 1, 0, 0), done(b, 0, 1, 0), done(c, 0.9f, 0.1f, 0)));
    awaitIndexed(store);
    List<Neighbour> hits = nearest(store, new float[] {1, 0, 0}, 2);
    assertThat(hits).extracting(Neighbour::requestId).containsExactly("a", "c");
    assertThat(hits.get(0).distance()).isLessThan(hits.get(1).distance());
    assertThatThrownBy(() -> nearest(store, new float[] {1, 0}, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected 3");

    ((CozoStore) store).snapshot();
    store.complete(List.of(done(request("e", 5), 1, 0, 0.01f)));
    store.close();
    store = open(dir);
    awaitIndexed(store);
    assertThat(nearest(store, new float[] {1, 0, 0}, 3)).extracting(Neighbour::requestId)
        .containsExactly("a", "e", "c");
  }

  @Test
  void embeddingsAreReadableAtOnceAndSearchableOnceIndexedWithTheLagInDatalog() throws Exception {
    store.complete(List.of(done(request("a", 1), 1, 0, 0)));
    assertThat(store.get("a").orElseThrow().outputs().get("emb").toFloatArray()).containsExactly(1, 0, 0);
    awaitIndexed(store);
    assertThat(((CozoStore) store).indexLag()).isZero();
    assertThat(nearest(store, new float[] {1, 0, 0}, 1)).extracting(Neighbour::requestId).containsExactly("a");
    assertThat(store.nativeQuery().orElseThrow()
        .query("?[indexed, pending] := *deduce_index_status{indexed, pending}", Map.of()))
        .containsExactly(Map.of("indexed", 1, "pending", 0));
    // a second outcome loses to the first: the index keeps the stored vector, not the loser's
    store.complete(List.of(done(request("a", 1), 0, 1, 0)));
    awaitIndexed(store);
    assertThat(nearest(store, new float[] {1, 0, 0}, 1).get(0).distance()).isZero();
  }

  @Test
  void aQueryParameterCozoCannotTakeIsRefusedNamingTheParameterAndWhatItHolds() {
    assertThatThrownBy(() -> query(store, "?[x] := x = $when", Map.of("when", java.time.Instant.EPOCH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("$when holds a java.time.Instant", "expected null, a boolean, a finite number");
    assertThatThrownBy(() -> query(store, "?[x] := x = $v", Map.of("v", List.of(1.0, Double.NaN))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$v[1] holds the number NaN");
    assertThatThrownBy(() -> query(store, "?[x] := x = $m", Map.of("m", Map.of("k", new Object()))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$m.k holds a java.lang.Object");
    assertThat(query(store, "?[x] := x = $v", Map.of("v", new float[] {1, 2}))).hasSize(1);
  }

  static void awaitIndexed(Store store) throws InterruptedException {
    assertThat(((CozoStore) store).awaitIndexed(30_000)).as("HNSW index caught up within 30 s").isTrue();
  }

  @Test
  void badOptionsAreRejectedWithTheExpectedForm() throws Exception {
    assertThatThrownBy(() -> new CozoStoreProvider().open(new StoreConfig(dir.resolve("x"),
        Map.of("embedding.output", "emb")))).isInstanceOf(StoreException.class).hasMessageContaining("go together");
    assertThatThrownBy(() -> new CozoStoreProvider().open(new StoreConfig(dir.resolve("x"),
        Map.of("embedding.output", "emb", "embedding.dim", "zero")))).isInstanceOf(StoreException.class)
        .hasMessageContaining("expected a whole number");
    assertThatThrownBy(() -> new CozoStoreProvider().open(new StoreConfig(dir.resolve("x"), Map.of("colour", "red"))))
        .isInstanceOf(StoreException.class).hasMessageContaining("unknown Cozo store option");
    assertThatThrownBy(() -> new CozoStoreProvider().open(new StoreConfig(dir.resolve("x"), Map.of("runner", "v8"))))
        .isInstanceOf(StoreException.class).hasMessageContaining("runner is 'v8'; expected auto, wasmtime or chicory");
    assertThatThrownBy(() -> new CozoStoreProvider().open(new StoreConfig(dir.resolve("x"),
        Map.of("snapshot.seconds", "0")))).isInstanceOf(StoreException.class)
        .hasMessageContaining("snapshot.seconds is '0'; expected a whole number from 1");
    Path file = dir.resolve("plain-file");
    java.nio.file.Files.writeString(file, "not a folder");
    assertThatThrownBy(() -> new CozoStoreProvider().open(new StoreConfig(file, Map.of())))
        .isInstanceOf(StoreException.class).hasMessageContaining(file.toString());
  }

  @Test
  void badCallsSayWhatWasExpected() {
    assertThatThrownBy(() -> store.get(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected the id");
    assertThatThrownBy(() -> query(store, " ", Map.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected a CozoScript query");
    assertThatThrownBy(() -> nearest(store, new float[] {1, 0, 0}, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected 1 to");
    assertThatThrownBy(() -> nearest(store, new float[] {Float.NaN, 0, 0}, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finite");
    assertThatThrownBy(() -> query(store, "?[x] := x = $missing", Map.of())).isInstanceOf(StoreException.class)
        .hasMessageStartingWith("Cozo: ");
    store.close();
    assertThatThrownBy(() -> store.get("a")).isInstanceOf(StoreException.class).hasMessageContaining("closed");
  }

  @Test
  void storeWithoutEmbeddingsHasNoVectorSearch() {
    try (Store plain = new CozoStoreProvider().open(new StoreConfig(dir.resolve("plain"), Map.of()))) {
      assertThat(plain.vectorSearch()).isEmpty();
      assertThatThrownBy(() -> ((VectorSearch) plain).nearest(new float[] {1}, 1))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("embedding.output");
      plain.complete(List.of(done(request("a", 1), 1, 2, 3)));
      assertThat(plain.get("a").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
    }
  }

  /** The store's native query language, which this store always offers. */
  private static List<Map<String, Object>> query(Store s, String text, Map<String, Object> params) {
    return s.nativeQuery().orElseThrow().query(text, params);
  }

  /** The store's vector search, which a store with embedding options offers. */
  private static List<Neighbour> nearest(Store s, float[] vector, int k) {
    return s.vectorSearch().orElseThrow().nearest(vector, k);
  }
}
