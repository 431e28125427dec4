package dev.deduce.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.StoredRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryStoreTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static RequestRecord req(String id, String model, int second) {
    return new RequestRecord(id, model, "", Fixtures.row(second), T0.plusSeconds(second), T0.plusSeconds(600),
        null);
  }

  @Test
  void appendIsIdempotentByRequestId() {
    MemoryStore s = new MemoryStore();
    s.append(List.of(req("a", "m", 1)));
    s.append(List.of(req("a", "other", 2), req("b", "m", 3)));
    assertThat(s.get("a").orElseThrow().request().model()).isEqualTo("m");
    assertThat(s.pending()).extracting(RequestRecord::requestId).containsExactly("a", "b");
  }

  @Test
  void firstResultWinsAndResultsInsertUnseenRequests() {
    MemoryStore s = new MemoryStore();
    RequestRecord a = req("a", "m", 1);
    s.append(List.of(a));
    s.complete(List.of(ResultRecord.done(a, "1", NamedTensors.of("y", Fixtures.row(9).get("x")), T0, 1)));
    s.complete(List.of(ResultRecord.failed(a, "2", ErrorKind.ENGINE, "late", T0, 3)));
    StoredRequest stored = s.get("a").orElseThrow();
    assertThat(stored.status()).isEqualTo(RequestStatus.DONE);
    assertThat(stored.version()).isEqualTo("1");

    RequestRecord unseen = req("u", "m", 2);
    s.complete(List.of(ResultRecord.failed(unseen, "1", ErrorKind.DEADLINE_EXCEEDED, "too late", T0, 0)));
    assertThat(s.get("u").orElseThrow().errorKind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED);
    assertThat(s.pending()).isEmpty();
  }

  @Test
  void pendingIsOldestFirst() {
    MemoryStore s = new MemoryStore();
    s.append(List.of(req("late", "m", 50), req("early", "m", 10), req("mid", "m", 30)));
    assertThat(s.pending()).extracting(RequestRecord::requestId).containsExactly("early", "mid", "late");
  }

  @Test
  void historyPagesNewestFirstWithFiltersAndStableTokens() {
    MemoryStore s = new MemoryStore();
    for (int i = 0; i < 10; i++) {
      s.append(List.of(req("r" + i, i % 2 == 0 ? "even" : "odd", i)));
    }
    HistoryQuery q = HistoryQuery.all().withModel("even").withPageSize(2);
    Page<StoredRequest> first = s.history(q);
    assertThat(first.items()).extracting(StoredRequest::requestId).containsExactly("r8", "r6");
    // a newer row arriving between pages neither shifts nor repeats what the next page holds
    s.append(List.of(req("r10", "even", 100)));
    Page<StoredRequest> second = s.history(q.next(first).orElseThrow());
    assertThat(second.items()).extracting(StoredRequest::requestId).containsExactly("r4", "r2");
    Page<StoredRequest> third = s.history(q.next(second).orElseThrow());
    assertThat(third.items()).extracting(StoredRequest::requestId).containsExactly("r0");
    assertThat(third.nextPageToken()).isEmpty();

    List<String> window = new ArrayList<>();
    s.history(HistoryQuery.all().between(T0.plusSeconds(3), T0.plusSeconds(6)).withStatus(RequestStatus.PENDING))
        .items().forEach(r -> window.add(r.requestId()));
    assertThat(window).containsExactly("r5", "r4", "r3");
  }

  @Test
  void pageTokenTheStoreDidNotIssueIsRejected() {
    MemoryStore s = new MemoryStore();
    HistoryQuery forged = new HistoryQuery(null, null, null, null, null, 10, "page-2");
    assertThatThrownBy(() -> s.history(forged)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("page token 'page-2' is not a history page token");
  }

  @Test
  void aClosedStoreRefusesEveryCallAndReopenServesItsDataAgain() {
    MemoryStore s = new MemoryStore();
    s.append(List.of(req("a", "m", 1)));
    s.close();
    s.close();
    assertThatThrownBy(() -> s.append(List.of(req("b", "m", 2)))).isInstanceOf(StoreException.class)
        .hasMessageContaining("cannot append requests: the memory store is closed")
        .hasMessageContaining("MemoryStore.reopen()");
    assertThatThrownBy(() -> s.get("a")).isInstanceOf(StoreException.class).hasMessageContaining("closed");
    assertThatThrownBy(s::pending).isInstanceOf(StoreException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> s.history(HistoryQuery.all())).isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
    MemoryStore again = s.reopen();
    assertThat(again.pending()).extracting(RequestRecord::requestId).containsExactly("a");
    assertThat(again.get("b")).isEmpty();
  }

  @Test
  void aRecordOverTheSizeLimitIsRefusedNamingItAndNothingOfItsBatchIsStored() {
    MemoryStore s = new MemoryStore(8);
    RequestRecord small = new RequestRecord("small", "m", "", NamedTensors.empty(), T0, T0.plusSeconds(1), null);
    assertThatThrownBy(() -> s.append(List.of(small, req("big", "m", 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("request big: inputs hold 16 bytes; expected at most 8");
    assertThat(s.get("small")).isEmpty();
    assertThatThrownBy(() -> new MemoryStore(0)).hasMessageContaining("expected 1 or more");
  }
}
