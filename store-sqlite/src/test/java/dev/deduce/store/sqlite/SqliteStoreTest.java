package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.Records.T0;
import static dev.deduce.store.sqlite.Records.config;
import static dev.deduce.store.sqlite.Records.done;
import static dev.deduce.store.sqlite.Records.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.api.Tensor;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreProvider;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.NativeQuery;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {

  @TempDir
  Path dir;

  Path file;
  Store store;

  @BeforeEach
  void open() {
    file = dir.resolve("deduce.db");
    store = new SqliteStoreProvider().open(config(file));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void providerIsFoundByServiceLoaderWithIdSqlite() {
    List<String> ids = ServiceLoader.load(StoreProvider.class).stream().map(p -> p.get().id()).toList();
    assertThat(ids).contains("sqlite");
  }

  @Test
  void appendedRequestReadsBackPendingWithEveryDtypeIntact() {
    NamedTensors inputs = NamedTensors.builder()
        .put("f32", Tensor.ofFloats(new float[] {1.5f, Float.NaN, -0f}, 3))
        .put("f64", Tensor.ofDoubles(new double[] {Math.PI, -1e300}, 2, 1))
        .put("i32", Tensor.ofInts(new int[] {Integer.MIN_VALUE, 0, 7}, 3))
        .put("i64", Tensor.ofLongs(new long[] {Long.MAX_VALUE}, 1))
        .put("u8", Tensor.ofUint8(new byte[] {(byte) 255, 0}, 2))
        .put("bool", Tensor.ofBooleans(new boolean[] {true, false}, 2))
        .put("str", Tensor.ofStrings(new String[] {"", "ünï", "x"}, 3))
        .put("empty", Tensor.zeros(DataType.FLOAT32, 0, 4))
        .build();
    RequestRecord r = new RequestRecord("r1", "m", "", inputs, T0, T0.plusSeconds(1), null);

    store.append(List.of(r));

    StoredRequest got = store.get("r1").orElseThrow();
    assertThat(got.request()).isEqualTo(r);
    assertThat(got.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(got.version()).isEmpty();
    assertThat(got.outputs().isEmpty()).isTrue();
    assertThat(got.completed()).isEmpty();
  }

  @Test
  void getOfUnknownIdIsEmpty() {
    assertThat(store.get("nope")).isEmpty();
  }

  @Test
  void appendLeavesIdsAlreadyPresentAsTheyWere() {
    RequestRecord first = request("r1", "iris", "1", T0);
    store.append(List.of(first));

    store.append(List.of(request("r1", "other", "9", T0.plusSeconds(9)), request("r2")));

    assertThat(store.get("r1").orElseThrow().request()).isEqualTo(first);
    assertThat(store.get("r2")).isPresent();
  }

  @Test
  void duplicateIdsWithinOneAppendKeepTheFirst() {
    RequestRecord first = request("r1", "a", "1", T0);
    store.append(List.of(first, request("r1", "b", "1", T0)));
    assertThat(store.get("r1").orElseThrow().request().model()).isEqualTo("a");
  }

  @Test
  void completeSetsTheOutcomeOfAnAppendedRequest() {
    RequestRecord r = request("r1", "iris", "", T0);
    store.append(List.of(r));
    ResultRecord result = done(r);

    store.complete(List.of(result));

    StoredRequest got = store.get("r1").orElseThrow();
    assertThat(got).isEqualTo(StoredRequest.completed(result));
    assertThat(got.request().version()).as("the requested version is kept").isEmpty();
    assertThat(got.version()).as("the version that ran it").isEqualTo("3");
    assertThat(store.pending()).isEmpty();
  }

  @Test
  void completeInsertsARequestTheStoreNeverSaw() {
    ResultRecord failed = ResultRecord.failed(request("r9"), "1", ErrorKind.DEADLINE_EXCEEDED, "too late",
        T0.plusSeconds(31), 2);

    store.complete(List.of(failed));

    assertThat(store.get("r9").orElseThrow()).isEqualTo(StoredRequest.completed(failed));
  }

  @Test
  void firstOutcomeWinsAcrossCallsAndWithinABatch() {
    RequestRecord r = request("r1");
    RequestRecord s = request("r2");
    ResultRecord firstR = done(r);
    ResultRecord firstS = ResultRecord.failed(s, "1", ErrorKind.ENGINE, "boom", T0.plusSeconds(1), 1);
    store.complete(List.of(firstR, firstS, ResultRecord.failed(s, "2", ErrorKind.ENGINE, "later", T0, 3)));

    store.complete(List.of(ResultRecord.failed(r, "2", ErrorKind.ENGINE, "re-run", T0.plusSeconds(60), 4)));
    store.append(List.of(r));

    assertThat(store.get("r1").orElseThrow()).isEqualTo(StoredRequest.completed(firstR));
    assertThat(store.get("r2").orElseThrow()).isEqualTo(StoredRequest.completed(firstS));
  }

  @Test
  void pendingListsOnlyPendingRequestsOldestFirst() {
    RequestRecord late = request("a-late", "m", "1", T0.plusSeconds(10));
    RequestRecord early = request("z-early", "m", "1", T0);
    RequestRecord tieB = request("b-tie", "m", "1", T0.plusSeconds(5));
    RequestRecord tieA = request("a-tie", "m", "1", T0.plusSeconds(5));
    RequestRecord completed = request("done", "m", "1", T0.minusSeconds(5));
    store.append(List.of(late, early, tieB, tieA, completed));
    store.complete(List.of(done(completed)));

    assertThat(store.pending()).containsExactly(early, tieA, tieB, late);
  }

  @Test
  void historyPagesNewestFirstWithoutGapsOrRepeats() {
    List<RequestRecord> all = new ArrayList<>();
    for (int i = 0; i < 53; i++) {
      // every third shares a timestamp with its neighbour, so the id breaks ties
      all.add(request(String.format("r%02d", i), "m", "1", T0.plusMillis(i / 3 * 3)));
    }
    store.append(all);

    List<String> seen = new ArrayList<>();
    HistoryQuery q = HistoryQuery.all().withPageSize(10);
    int pages = 0;
    while (q != null) {
      Page<StoredRequest> page = store.history(q);
      page.items().forEach(s -> seen.add(s.requestId()));
      pages++;
      q = q.next(page).orElse(null);
    }

    List<String> expected = all.stream()
        .sorted((a, b) -> a.submittedAt().equals(b.submittedAt()) ? b.requestId().compareTo(a.requestId())
            : b.submittedAt().compareTo(a.submittedAt()))
        .map(RequestRecord::requestId).toList();
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(pages).isEqualTo(6);
  }

  @Test
  void historyPageTokenKeepsItsPlaceWhenNewerRequestsArrive() {
    store.append(IntStream.range(0, 6).mapToObj(i -> request("r" + i, "m", "1", T0.plusSeconds(i))).toList());
    HistoryQuery q = HistoryQuery.all().withPageSize(3);
    Page<StoredRequest> first = store.history(q);

    // with OFFSET paging these would push r3 onto the second page again
    store.append(List.of(request("new1", "m", "1", T0.plusSeconds(100)), request("new2", "m", "1",
        T0.plusSeconds(101))));
    Page<StoredRequest> second = store.history(q.next(first).orElseThrow());

    assertThat(first.items()).extracting(StoredRequest::requestId).containsExactly("r5", "r4", "r3");
    assertThat(second.items()).extracting(StoredRequest::requestId).containsExactly("r2", "r1", "r0");
    assertThat(second.nextPageToken()).isEmpty();
  }

  @Test
  void historyFiltersByModelVersionStatusAndTimeRange() {
    RequestRecord a = request("a", "iris", "1", T0);
    RequestRecord b = request("b", "iris", "", T0.plusSeconds(1));
    RequestRecord c = request("c", "mnist", "1", T0.plusSeconds(2));
    RequestRecord d = request("d", "iris", "2", T0.plusSeconds(3));
    store.append(List.of(a, b, c, d));
    store.complete(List.of(ResultRecord.done(b, "2", NamedTensors.empty(), T0.plusSeconds(5), 1),
        ResultRecord.failed(d, "2", ErrorKind.ENGINE, "x", T0.plusSeconds(5), 1)));
    HistoryQuery all = HistoryQuery.all();

    assertThat(ids(all.withModel("iris"))).containsExactly("d", "b", "a");
    assertThat(ids(all.withVersion("2"))).as("the version that ran it").containsExactly("d", "b");
    assertThat(ids(all.withStatus(RequestStatus.PENDING))).containsExactly("c", "a");
    assertThat(ids(all.withStatus(RequestStatus.DONE))).containsExactly("b");
    assertThat(ids(all.between(T0.plusSeconds(1), T0.plusSeconds(3)))).containsExactly("c", "b");
    assertThat(ids(all.withModel("iris").withVersion("2").withStatus(RequestStatus.FAILED))).containsExactly("d");
    assertThat(ids(all.withModel("none"))).isEmpty();
  }

  @Test
  void historyRejectsATokenItDidNotIssue() {
    assertThatThrownBy(() -> store.history(new HistoryQuery(null, null, null, null, null, 10, "garbage!")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("page token 'garbage!' is not a history page token");
  }

  @Test
  void historyRejectsATokenFromAQueryWithOtherFilters() {
    store.append(List.of(request("a"), request("b", "iris", "1", T0.plusSeconds(1))));
    Page<StoredRequest> page = store.history(HistoryQuery.all().withPageSize(1));
    String token = page.nextPageToken().orElseThrow();

    assertThatThrownBy(() -> store.history(new HistoryQuery("other", null, null, null, null, 1, token)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other filters");
  }

  @Test
  void farFutureDeadlineReadsBackAsInstantMax() {
    RequestRecord r = new RequestRecord("r1", "m", "1", NamedTensors.empty(), T0, Instant.MAX, null);
    store.append(List.of(r));
    assertThat(store.get("r1").orElseThrow().request().deadline()).isEqualTo(Instant.MAX);
  }

  @Test
  void submissionTimeOutsideTheStorableRangeIsRefused() {
    RequestRecord r = new RequestRecord("r1", "m", "1", NamedTensors.empty(), Instant.parse("2300-01-01T00:00:00Z"),
        Instant.MAX, null);
    assertThatThrownBy(() -> store.append(List.of(r)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("request r1: submittedAt 2300-01-01T00:00:00Z is outside the years 1677 to 2262");
    assertThat(store.get("r1")).isEmpty();
  }

  @Test
  void offersSqlAsItsNativeQueryAndNoVectorSearch() {
    assertThat(store.nativeQuery()).map(NativeQuery::language).contains("sql");
    assertThat(store.vectorSearch()).isEmpty();
  }

  @Test
  void nullArgumentsGetClearErrors() {
    assertThatThrownBy(() -> store.append(null)).hasMessage("requests must not be null");
    assertThatThrownBy(() -> store.complete(null)).hasMessage("results must not be null");
    assertThatThrownBy(() -> store.append(Arrays.asList(request("a"), null)))
        .hasMessage("requests[1] is null; expected a RequestRecord");
    assertThatThrownBy(() -> store.complete(Arrays.asList((ResultRecord) null)))
        .hasMessage("results[0] is null; expected a ResultRecord");
    assertThatThrownBy(() -> store.get(null)).hasMessage("requestId must not be null");
    assertThatThrownBy(() -> store.history(null)).hasMessage("query must not be null");
    assertThat(store.get("a")).as("nothing of the rejected batch was written").isEmpty();
  }

  @Test
  void oversizeRecordIsRefusedAndNothingOfItsBatchIsWritten() {
    store.close();
    store = new SqliteStoreProvider().open(config(file, Map.of("maxRecordBytes", "2048")));
    RequestRecord small = request("small");
    RequestRecord big = request("big");

    assertThatThrownBy(() -> store.complete(List.of(done(small), Records.doneWithBytes(big, 4096))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("request big is")
        .hasMessageContaining("at most 2048 bytes (option maxRecordBytes)")
        .hasMessageContaining(file.toString());
    assertThat(store.get("small")).isEmpty();
    assertThat(store.get("big")).isEmpty();
  }

  @Test
  void emptyBatchesWriteNothing() {
    store.append(List.of());
    store.complete(List.of());
    assertThat(store.history(HistoryQuery.all()).items()).isEmpty();
  }

  @Test
  void recordsSurviveCloseAndReopen() {
    RequestRecord p = request("p");
    RequestRecord d = request("d");
    store.append(List.of(p, d));
    store.complete(List.of(done(d)));
    store.close();

    store = new SqliteStoreProvider().open(config(file));

    assertThat(store.pending()).containsExactly(p);
    assertThat(store.get("d").orElseThrow()).isEqualTo(StoredRequest.completed(done(d)));
  }

  @Test
  void callsAfterCloseFailClearlyAndCloseIsIdempotent() {
    store.close();
    store.close();
    assertThatThrownBy(() -> store.append(List.of(request("a"))))
        .isInstanceOf(StoreException.class).hasMessageContaining("is closed");
    assertThatThrownBy(() -> store.get("a"))
        .isInstanceOf(StoreException.class).hasMessageContaining(file + " is closed");
  }

  @Test
  void concurrentWritersAndReadersLoseNothing() throws Exception {
    int threads = 4;
    int perThread = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i += 20) {
            List<RequestRecord> batch = new ArrayList<>();
            for (int k = i; k < i + 20; k++) {
              batch.add(request("t" + thread + "-" + k, "m", "1", T0.plusMillis(k)));
            }
            store.append(batch);
            store.complete(batch.subList(0, 10).stream().map(Records::done).toList());
          }
        }));
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            store.history(HistoryQuery.all().withPageSize(50));
            store.pending();
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    Set<String> ids = new HashSet<>();
    HistoryQuery q = HistoryQuery.all().withPageSize(HistoryQuery.MAX_PAGE_SIZE);
    Page<StoredRequest> page = store.history(q);
    page.items().forEach(s -> ids.add(s.requestId()));
    assertThat(page.nextPageToken()).isEmpty();
    assertThat(ids).hasSize(threads * perThread);
    assertThat(store.pending()).hasSize(threads * perThread / 2);
  }

  private List<String> ids(HistoryQuery q) {
    return store.history(q).items().stream().map(StoredRequest::requestId).toList();
  }

}
