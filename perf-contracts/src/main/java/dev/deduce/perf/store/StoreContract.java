package dev.deduce.perf.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.api.Tensor;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import dev.deduce.spi.StoredRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The store contract: every store plugin extends this class, supplies its provider and a fresh configuration, and
 * passes.
 *
 * <p>Times in the suite are whole milliseconds, the precision every store must keep. It checks round trips of every
 * dtype (empty and 16 MB tensors too), idempotent appends and completions (the first outcome wins), recovery of
 * PENDING requests after reopening, history filters and paging (the shared {@link dev.deduce.spi.PageCursor} tokens),
 * concurrent writers, hostile text in every field,
 * clear errors for null and oversize input, and that the optional features ({@link Store#nativeQuery()},
 * {@link Store#vectorSearch()}) are stable.
 *
 * <p>Errors: a caller's mistake (a null argument, a record over the size limit) is a {@link NullPointerException} or
 * {@link IllegalArgumentException} and writes nothing of its batch; a {@link StoreException} means the store itself
 * could not read or write (closed, locked, disk full, I/O), which a caller may retry.
 */
public abstract class StoreContract {

  /** Text that breaks stores which splice values into queries or mishandle encodings. */
  public static final List<String> HOSTILE = List.of(
      "\"] :rm results {}",
      "'); DROP TABLE requests;--",
      "quote \" apostrophe ' backslash \\ backtick `",
      "[brackets] {braces} (parens) <angle>",
      "line one\nline two\r\nline three\ttab",
      "unicode é 漢字 🙂 \u202e rtl",
      "?1 :param $1 %s %n {0}",
      "null",
      "-- comment /* block */ ; ?- :- datalog");

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  private Path folder;
  private StoreConfig config;
  private Store store;

  /** The provider under test. */
  protected abstract StoreProvider provider();

  /** A configuration for a new, empty store inside {@code folder}; the same config reopens the same store. */
  protected abstract StoreConfig config(Path folder);

  /**
   * The largest encoded request or result the store accepts; the suite checks that a record 1 MiB larger is refused.
   * 64 MiB by default.
   */
  protected long maxRecordBytes() {
    return 64L << 20;
  }

  @BeforeEach
  final void openStore() {
    config = config(folder);
    store = provider().open(config);
  }

  @AfterEach
  final void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** The store under test, open. */
  protected final Store store() {
    return store;
  }

  /** Closes the store and opens it again from the same configuration. */
  protected final Store reopen() {
    store.close();
    store = null;
    store = provider().open(config);
    return store;
  }

  static Stream<String> hostile() {
    return HOSTILE.stream();
  }

  // ------------------------------------------------------------------ round trips

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyDtypeRoundTripsThroughAppendCompleteAndGet(DataType dtype) {
    SplittableRandom random = new SplittableRandom(dtype.ordinal());
    NamedTensors inputs = NamedTensors.builder()
        .put("values", ReferenceModel.random(dtype, new long[] {3, 4}, random))
        .put("empty", ReferenceModel.random(dtype, new long[] {0, 4}, random))
        .put("scalar", ReferenceModel.random(dtype, new long[] {}, random))
        .build();
    RequestRecord req = request("rt-" + dtype, "m", "1", T0, inputs);
    store.append(List.of(req));
    assertThat(store.get(req.requestId())).contains(StoredRequest.pending(req));

    NamedTensors outputs = NamedTensors.of("out", ReferenceModel.random(dtype, new long[] {2, 2}, random),
        "none", ReferenceModel.random(dtype, new long[] {0}, random));
    ResultRecord done = ResultRecord.done(req, "1", outputs, T0.plusMillis(7), 1);
    store.complete(List.of(done));
    assertThat(store.get(req.requestId())).contains(StoredRequest.completed(done));
  }

  @Test
  void failedResultsKeepTheirErrorKindAndMessage() {
    RequestRecord req = request("failed", "m", "2", T0);
    store.append(List.of(req));
    ResultRecord failed = ResultRecord.failed(req, "2", ErrorKind.ENGINE, "engine broke: détails ✗",
        T0.plusSeconds(1), 3);
    store.complete(List.of(failed));
    assertThat(store.get("failed")).contains(StoredRequest.completed(failed));
  }

  @Test
  void sixteenMegabyteTensorsRoundTripAsInputAndAsOutput() {
    float[] values = new float[4 << 20];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.5f;
    }
    NamedTensors big = NamedTensors.of("x", Tensor.ofFloats(values, 4096, 1024));
    RequestRecord bigIn = request("big-in", "m", "1", T0, big);
    RequestRecord bigOut = request("big-out", "m", "1", T0.plusMillis(1));
    store.append(List.of(bigIn, bigOut));
    ResultRecord small = ResultRecord.done(bigIn, "1", NamedTensors.of("y", Tensor.scalar(1f)), T0.plusMillis(2), 1);
    ResultRecord large = ResultRecord.done(bigOut, "1", big, T0.plusMillis(3), 1);
    store.complete(List.of(small));
    store.complete(List.of(large));
    assertThat(store.get("big-in")).contains(StoredRequest.completed(small));
    assertThat(store.get("big-out")).contains(StoredRequest.completed(large));
  }

  @Test
  void getOfAnUnknownIdIsEmpty() {
    assertThat(store.get("never-stored")).isEmpty();
  }

  // ------------------------------------------------------------------ idempotency

  @Test
  void appendIsIdempotentByRequestId() {
    RequestRecord first = request("same", "first", "1", T0);
    store.append(List.of(first));
    store.append(List.of(request("same", "second", "9", T0.plusSeconds(5)), first));
    assertThat(store.get("same")).contains(StoredRequest.pending(first));
    assertThat(history(HistoryQuery.all())).hasSize(1);
  }

  @Test
  void completeIsIdempotentAndTheFirstOutcomeWins() {
    RequestRecord req = request("once", "m", "1", T0);
    store.append(List.of(req));
    ResultRecord done = ResultRecord.done(req, "1", NamedTensors.of("y", Tensor.scalar(1f)), T0.plusSeconds(1), 1);
    store.complete(List.of(done));
    store.complete(List.of(ResultRecord.failed(req, "1", ErrorKind.ENGINE, "late failure", T0.plusSeconds(2), 2)));
    store.complete(List.of(done, done));
    assertThat(store.get("once")).contains(StoredRequest.completed(done));
    assertThat(history(HistoryQuery.all())).hasSize(1);
    assertThat(store.pending()).isEmpty();
  }

  @Test
  void completeStoresARequestItNeverSaw() {
    RequestRecord req = request("results-only", "m", "1", T0);
    ResultRecord done = ResultRecord.done(req, "1", NamedTensors.of("y", Tensor.scalar(2f)), T0.plusSeconds(1), 1);
    store.complete(List.of(done));
    assertThat(store.get("results-only")).contains(StoredRequest.completed(done));
    assertThat(store.pending()).isEmpty();
  }

  @Test
  void appendAndCompleteStoresTheRequestsAsPendingAndTheResultsAsCompleted() {
    RequestRecord earlier = request("earlier", "m", "1", T0);
    store.append(List.of(earlier));
    RequestRecord waiting = request("waiting", "m", "1", T0.plusSeconds(1));
    RequestRecord computed = request("computed", "m", "1", T0.plusSeconds(2));
    ResultRecord done = ResultRecord.done(computed, "1", NamedTensors.of("y", Tensor.scalar(3f)), T0.plusSeconds(3), 1);
    ResultRecord earlierDone = ResultRecord.done(earlier, "1", NamedTensors.of("y", Tensor.scalar(4f)),
        T0.plusSeconds(3), 1);
    store.appendAndComplete(List.of(waiting), List.of(done, earlierDone));
    store.appendAndComplete(List.of(), List.of(ResultRecord.failed(computed, "1", ErrorKind.ENGINE, "late",
        T0.plusSeconds(4), 2)));
    store.appendAndComplete(List.of(computed), List.of());
    Store reopened = reopen();
    assertThat(reopened.get("waiting")).contains(StoredRequest.pending(waiting));
    assertThat(reopened.get("computed")).as("the first outcome wins, and a late append leaves it as it is")
        .contains(StoredRequest.completed(done));
    assertThat(reopened.get("earlier")).contains(StoredRequest.completed(earlierDone));
    assertThat(reopened.pending()).containsExactly(waiting);
  }

  @Test
  void anOversizeResultIsRefusedClearlyOrStoredFailedAndTheStoreStaysUsable() {
    long floats = (maxRecordBytes() + (1L << 20)) / 4;
    RequestRecord big = request("big-result", "m", "1", T0);
    ResultRecord huge = ResultRecord.done(big, "1", NamedTensors.of("y", Tensor.zeros(DataType.FLOAT32, floats)),
        T0.plusSeconds(1), 1);
    RuntimeException refused = null;
    try {
      store.appendAndComplete(List.of(request("beside", "m", "1", T0)), List.of(huge));
    } catch (RuntimeException e) {
      refused = e;
    }
    if (refused != null) {
      assertThat(refused).as("a result over the limit is the caller's mistake, not a store failure")
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(refused.getMessage()).as("the message names the request").contains("big-result");
      assertThat(store.get("big-result")).isEmpty();
    } else {
      // a store may keep it FAILED with the reason instead, so that it is not re-run at every start
      StoredRequest kept = store.get("big-result").orElseThrow();
      assertThat(kept.status()).isEqualTo(RequestStatus.FAILED);
      assertThat(kept.error()).as("the stored error says why").isNotBlank();
    }
    RequestRecord small = request("small", "m", "1", T0);
    store.appendAndComplete(List.of(small), List.of());
    assertThat(store.get("small")).contains(StoredRequest.pending(small));
  }

  // ------------------------------------------------------------------ durability and recovery

  @Test
  void pendingSurvivesCloseAndReopenOldestFirst() {
    RequestRecord late = request("late", "m", "1", T0.plusSeconds(30));
    RequestRecord early = request("early", "m", "1", T0.plusSeconds(10));
    RequestRecord finished = request("finished", "m", "1", T0.plusSeconds(20));
    store.append(List.of(late, early, finished));
    store.complete(List.of(ResultRecord.done(finished, "1", NamedTensors.empty(), T0.plusSeconds(40), 1)));
    assertThat(reopen().pending()).containsExactly(early, late);
  }

  @Test
  void closeAndReopenKeepEverythingAcknowledged() {
    List<StoredRequest> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      RequestRecord req = request("keep-" + i, "m" + (i % 3), "v" + (i % 2), T0.plusSeconds(i));
      store.append(List.of(req));
      if (i % 3 == 0) {
        ResultRecord r = ResultRecord.done(req, "v1", NamedTensors.of("y", Tensor.scalar(i)), T0.plusSeconds(100 + i),
            1);
        store.complete(List.of(r));
        expected.add(StoredRequest.completed(r));
      } else if (i % 3 == 1) {
        ResultRecord r = ResultRecord.failed(req, "v0", ErrorKind.TRANSIENT_ENGINE, "try " + i,
            T0.plusSeconds(100 + i), 4);
        store.complete(List.of(r));
        expected.add(StoredRequest.completed(r));
      } else {
        expected.add(StoredRequest.pending(req));
      }
    }
    Store reopened = reopen();
    for (StoredRequest e : expected) {
      assertThat(reopened.get(e.requestId())).as(e.requestId()).contains(e);
    }
  }

  @Test
  void closeIsIdempotent() {
    store.close();
    store.close();
    store = provider().open(config);
    assertThat(store.pending()).isEmpty();
  }

  // ------------------------------------------------------------------ history

  @Test
  void historyFiltersByModelVersionStatusAndTime() {
    List<RequestRecord> all = fillHistory();
    assertThat(ids(history(HistoryQuery.all().withModel("alpha"))))
        .containsExactlyElementsOf(expected(all, r -> r.model().equals("alpha")));
    assertThat(ids(history(HistoryQuery.all().withModel("alpha").withVersion("2"))))
        .containsExactlyElementsOf(expected(all, r -> r.model().equals("alpha") && r.version().equals("2")));
    assertThat(ids(history(HistoryQuery.all().withStatus(RequestStatus.DONE))))
        .containsExactlyElementsOf(expected(all, r -> status(r) == RequestStatus.DONE));
    assertThat(ids(history(HistoryQuery.all().withStatus(RequestStatus.PENDING))))
        .containsExactlyElementsOf(expected(all, r -> status(r) == RequestStatus.PENDING));
    Instant from = T0.plusSeconds(5);
    Instant to = T0.plusSeconds(17);
    assertThat(ids(history(HistoryQuery.all().between(from, to).withStatus(RequestStatus.FAILED))))
        .containsExactlyElementsOf(expected(all, r -> !r.submittedAt().isBefore(from) && r.submittedAt().isBefore(to)
            && status(r) == RequestStatus.FAILED));
    assertThat(history(HistoryQuery.all().withModel("nobody"))).isEmpty();
  }

  @Test
  void historyPagesAreNewestFirstWithoutOverlapsOrGaps() {
    List<RequestRecord> all = fillHistory();
    for (int size : new int[] {1, 7, 25, 1000}) {
      List<String> seen = ids(history(HistoryQuery.all().withPageSize(size)));
      assertThat(seen).as("page size %d", size).containsExactlyElementsOf(expected(all, r -> true));
    }
  }

  @Test
  void historyBreaksTiesOfSubmissionTimeByRequestIdNewestFirst() {
    List<RequestRecord> same = new ArrayList<>();
    for (String id : List.of("t3", "t1", "t5", "t2", "t4")) {
      same.add(request(id, "m", "1", T0));
    }
    store.append(same);
    assertThat(ids(history(HistoryQuery.all().withPageSize(2)))).containsExactly("t5", "t4", "t3", "t2", "t1");
  }

  @Test
  void aPageTokenKeepsItsPlaceAcrossNewerWritesAndReopening() {
    for (int i = 0; i < 6; i++) {
      store.append(List.of(request("p" + i, "m", "1", T0.plusSeconds(i))));
    }
    HistoryQuery q = HistoryQuery.all().withModel("m").withPageSize(3);
    Page<StoredRequest> first = store.history(q);
    assertThat(ids(first.items())).containsExactly("p5", "p4", "p3");
    store.append(List.of(request("newer", "m", "1", T0.plusSeconds(100))));
    Page<StoredRequest> second = reopen().history(q.next(first).orElseThrow());
    assertThat(ids(second.items())).containsExactly("p2", "p1", "p0");
    assertThat(second.nextPageToken()).isEmpty();
  }

  @Test
  void aPageTokenNoStoreIssuedOrOfAnotherQueryIsRefusedClearly() {
    store.append(List.of(request("a", "m", "1", T0), request("b", "m", "1", T0.plusSeconds(1))));
    HistoryQuery q = HistoryQuery.all().withPageSize(1);
    String token = store.history(q).nextPageToken().orElseThrow();
    HistoryQuery forged = new HistoryQuery(null, null, null, null, null, 1, "not-a-token");
    assertThat(catchRejection(() -> store.history(forged))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("page token 'not-a-token' is not a history page token");
    HistoryQuery other = new HistoryQuery("other", null, null, null, null, 1, token);
    assertThat(catchRejection(() -> store.history(other))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was issued for a query with other filters");
  }

  // ------------------------------------------------------------------ optional features

  @Test
  void optionalFeaturesAnswerTheSameEveryTimeAndSayWhatTheyTake() {
    boolean query = store.nativeQuery().isPresent();
    boolean vectors = store.vectorSearch().isPresent();
    assertThat(store.nativeQuery().isPresent()).as("nativeQuery() gives the same answer each time").isEqualTo(query);
    store.nativeQuery().ifPresent(q -> assertThat(q.language()).as("native query language").isNotBlank()
        .isEqualTo(q.language().strip().toLowerCase(java.util.Locale.ROOT)));
    store.vectorSearch().ifPresent(v -> assertThat(catchRejection(() -> v.nearest(new float[] {1f}, 0)))
        .as("vector search with k = 0").isInstanceOf(IllegalArgumentException.class));
    Store reopened = reopen();
    assertThat(reopened.nativeQuery().isPresent()).as("native query after reopening").isEqualTo(query);
    assertThat(reopened.vectorSearch().isPresent()).as("vector search after reopening").isEqualTo(vectors);
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentWritersLoseNothing() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        writers.add(pool.submit(() -> {
          start.await();
          List<ResultRecord> results = new ArrayList<>();
          for (int i = 0; i < 25; i++) {
            RequestRecord req = request("w" + thread + "-" + i, "m" + thread, "1",
                T0.plusMillis(thread * 1000L + i));
            store.append(List.of(req));
            results.add(ResultRecord.done(req, "1", NamedTensors.of("y", Tensor.scalar(i)), T0.plusSeconds(60), 1));
            if (results.size() == 5) {
              store.complete(results);
              results = new ArrayList<>();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> w : writers) {
        w.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(history(HistoryQuery.all().withStatus(RequestStatus.DONE))).hasSize(200);
    assertThat(store.pending()).isEmpty();
    assertThat(store.get("w7-24")).map(StoredRequest::status).contains(RequestStatus.DONE);
  }

  // ------------------------------------------------------------------ hostile and bad input

  @ParameterizedTest
  @MethodSource("dev.deduce.perf.store.StoreContract#hostile")
  void hostileTextIsStoredAndReadVerbatim(String text) {
    NamedTensors inputs = NamedTensors.of(text, Tensor.ofStrings(new String[] {text, ""}, 2));
    RequestRecord req = new RequestRecord(text, text, text, inputs, T0, T0.plusSeconds(60), text);
    store.append(List.of(req));
    assertThat(store.get(text)).contains(StoredRequest.pending(req));
    ResultRecord failed = ResultRecord.failed(req, text, ErrorKind.INVALID_INPUT, text, T0.plusSeconds(1), 1);
    store.complete(List.of(failed));
    assertThat(reopen().get(text)).contains(StoredRequest.completed(failed));
    assertThat(ids(history(HistoryQuery.all().withModel(text).withVersion(text)))).containsExactly(text);
    assertThat(history(HistoryQuery.all())).hasSize(1);
  }

  @Test
  void nullArgumentsAreRejectedWithAClearMessage() {
    List<RequestRecord> withNull = new ArrayList<>();
    withNull.add(null);
    List<ResultRecord> resultsWithNull = new ArrayList<>();
    resultsWithNull.add(null);
    assertClearRejection(() -> store.get(null));
    assertClearRejection(() -> store.append(null));
    assertClearRejection(() -> store.append(withNull));
    assertClearRejection(() -> store.complete(null));
    assertClearRejection(() -> store.complete(resultsWithNull));
    assertClearRejection(() -> store.history(null));
    assertThat(history(HistoryQuery.all())).isEmpty();
  }

  @Test
  void oversizeRecordIsRejectedClearlyAndLeavesTheStoreUsable() {
    long floats = (maxRecordBytes() + (1L << 20)) / 4;
    RequestRecord huge = request("huge", "m", "1", T0,
        NamedTensors.of("x", Tensor.zeros(DataType.FLOAT32, floats)));
    Throwable error = catchRejection(() -> store.append(List.of(huge)));
    assertThat(error).as("a record over the limit is the caller's mistake, not a store failure")
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(error.getMessage()).as("the message names the request").contains("huge");
    assertThat(store.get("huge")).isEmpty();
    RequestRecord small = request("small", "m", "1", T0);
    store.append(List.of(small));
    assertThat(store.get("small")).contains(StoredRequest.pending(small));
  }

  @Test
  void writesToAClosedStoreFailWithAStoreException() {
    store.close();
    RequestRecord late = request("after-close", "m", "1", T0);
    Throwable append = catchRejection(() -> store.append(List.of(late)));
    Throwable complete = catchRejection(() -> store.complete(List.of(
        ResultRecord.done(late, "1", NamedTensors.empty(), T0.plusSeconds(1), 1))));
    assertThat(append).isInstanceOf(StoreException.class);
    assertThat(complete).isInstanceOf(StoreException.class);
    assertThat(reopen().get("after-close")).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private static RequestRecord request(String id, String model, String version, Instant at) {
    return request(id, model, version, at, NamedTensors.of("x", Tensor.ofFloats(new float[] {1f, -2.5f}, 1, 2)));
  }

  private static RequestRecord request(String id, String model, String version, Instant at, NamedTensors inputs) {
    return new RequestRecord(id, model, version, inputs, at, at.plus(Duration.ofMinutes(1)), "key-" + id);
  }

  // 24 requests one second apart: models alpha/beta, versions 1/2, statuses cycling PENDING, DONE, FAILED.
  private List<RequestRecord> fillHistory() {
    List<RequestRecord> all = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      RequestRecord r = request("h" + i, i % 2 == 0 ? "alpha" : "beta", i % 4 < 2 ? "1" : "2", T0.plusSeconds(i));
      all.add(r);
    }
    // appended out of order: the store, not insertion order, must sort
    List<RequestRecord> shuffled = new ArrayList<>(all);
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));
    store.append(shuffled);
    for (RequestRecord r : all) {
      if (status(r) == RequestStatus.DONE) {
        store.complete(List.of(ResultRecord.done(r, r.version(), NamedTensors.empty(), T0.plusSeconds(100), 1)));
      } else if (status(r) == RequestStatus.FAILED) {
        store.complete(List.of(ResultRecord.failed(r, r.version(), ErrorKind.ENGINE, "no", T0.plusSeconds(100), 1)));
      }
    }
    return all;
  }

  private static RequestStatus status(RequestRecord r) {
    int i = Integer.parseInt(r.requestId().substring(1));
    return i % 3 == 0 ? RequestStatus.PENDING : i % 3 == 1 ? RequestStatus.DONE : RequestStatus.FAILED;
  }

  private static List<String> expected(List<RequestRecord> all, java.util.function.Predicate<RequestRecord> keep) {
    return all.stream().filter(keep).sorted(Comparator.comparing(RequestRecord::submittedAt).reversed())
        .map(RequestRecord::requestId).toList();
  }

  /** Every row of {@code query}, page after page, checking page sizes and that no row comes twice. */
  protected final List<StoredRequest> history(HistoryQuery query) {
    List<StoredRequest> rows = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Optional<HistoryQuery> next = Optional.of(query);
    for (int pages = 0; next.isPresent(); pages++) {
      assertThat(pages).as("pages for %s", query).isLessThan(100_000);
      Page<StoredRequest> page = store.history(next.get());
      assertThat(page.items().size()).isLessThanOrEqualTo(query.pageSize());
      for (StoredRequest r : page.items()) {
        assertThat(seen.add(r.requestId())).as("request %s returned twice", r.requestId()).isTrue();
        rows.add(r);
      }
      if (page.items().isEmpty()) {
        assertThat(page.nextPageToken()).as("an empty page ends the history").isEmpty();
      }
      next = next.get().next(page);
    }
    return rows;
  }

  private static List<String> ids(List<StoredRequest> rows) {
    return rows.stream().map(StoredRequest::requestId).toList();
  }

  private static void assertClearRejection(Runnable call) {
    Throwable error = catchRejection(call);
    assertThat(error).isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class);
  }

  private static Throwable catchRejection(Runnable call) {
    Throwable[] caught = new Throwable[1];
    assertThatThrownBy(() -> {
      try {
        call.run();
      } catch (Throwable t) {
        caught[0] = t;
        throw t;
      }
    }).satisfies(t -> assertThat(t.getMessage()).as("error message of %s", t).isNotBlank());
    return caught[0];
  }
}
