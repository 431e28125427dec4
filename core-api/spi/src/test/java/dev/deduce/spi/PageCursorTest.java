package dev.deduce.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageCursorTest {

  private static final Instant T = Instant.parse("2026-01-01T00:00:01.000000002Z");
  private static final HistoryQuery QUERY = HistoryQuery.all().withModel("iris").withStatus(RequestStatus.DONE);

  private static HistoryQuery withToken(HistoryQuery q, String token) {
    return new HistoryQuery(q.model(), q.version(), q.status(), q.from(), q.to(), q.pageSize(), token);
  }

  private static String base64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static StoredRequest row(String id, Instant at) {
    return StoredRequest.pending(new RequestRecord(id, "iris", "1", NamedTensors.empty(), at, at.plusSeconds(9),
        null));
  }

  @Test
  void theFirstPageHasNoCursor() {
    assertThat(PageCursor.from(QUERY)).isEmpty();
  }

  @Test
  void aTokenReadsBackAsItsPositionForTheSameFiltersWhateverThePageSize() {
    PageCursor c = new PageCursor(T, "r:7");
    String token = c.token(QUERY);
    assertThat(PageCursor.from(withToken(QUERY, token))).contains(c);
    assertThat(PageCursor.from(withToken(QUERY.withPageSize(3), token))).contains(c);
    assertThat(token).matches("[A-Za-z0-9_-]+");
  }

  @Test
  void theTokenFormatIsPinnedSoTokensStayValidAcrossRunsAndStores() {
    // the filter fingerprint hashes names, not identity hash codes: the same token in every JVM
    assertThat(new PageCursor(T, "r:7").token(QUERY)).isEqualTo("cDE6OTBkOTRjZWY6MTc2NzIyNTYwMToyOnI6Nw");
    assertThat(PageCursor.from(withToken(QUERY, "cDE6OTBkOTRjZWY6MTc2NzIyNTYwMToyOnI6Nw")))
        .contains(new PageCursor(T, "r:7"));
  }

  @Test
  void aTokenOfAQueryWithOtherFiltersIsRefused() {
    String token = new PageCursor(T, "r1").token(QUERY);
    assertThatThrownBy(() -> PageCursor.from(withToken(QUERY.withModel("mnist"), token)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was issued for a query with other filters")
        .hasMessageContaining("expected the token of the previous page of this same query");
    assertThatThrownBy(() -> PageCursor.from(withToken(QUERY.between(T, T.plusSeconds(1)), token)))
        .hasMessageContaining("other filters");
  }

  @Test
  void aStringThatIsNoTokenIsRefusedSayingWhatWasExpected() {
    for (String bad : List.of("not base64!", base64("hello"), base64("p1:x:1"), base64("p1:0:abc:0:r"),
        base64("p1:0:1:1000000000:r"), base64("p1:0:1:0: "), "MTIzOjQ1Ng")) {
      assertThatThrownBy(() -> PageCursor.from(withToken(QUERY, bad))).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("page token '" + bad + "' is not a history page token")
          .hasMessageContaining("expected Page.nextPageToken() of a previous page");
    }
  }

  @Test
  void aTokenOfAnotherFormatVersionIsRefusedNamingBoth() {
    String old = base64("p0:0:1:0:r1");
    assertThatThrownBy(() -> PageCursor.from(withToken(QUERY, old)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is of format p0; expected format p1");
  }

  @Test
  void newestFirstOrdersByTimeThenByRequestIdInCodePointOrder() {
    // U+1F600 sorts after U+FFFF by code point (and in UTF-8 bytes), though before it in UTF-16 units
    List<PageCursor> sorted = new ArrayList<>(List.of(new PageCursor(T, "\uFFFF"), new PageCursor(T, "\uD83D\uDE00"),
        new PageCursor(T.plusSeconds(1), "a"), new PageCursor(T, "b")));
    sorted.sort(PageCursor.NEWEST_FIRST);
    assertThat(sorted).extracting(PageCursor::requestId).containsExactly("a", "\uD83D\uDE00", "\uFFFF", "b");
    assertThat(PageCursor.compareCodePoints("ab", "abc")).isNegative();
    assertThat(PageCursor.compareCodePoints("abc", "abc")).isZero();
  }

  @Test
  void aPageKeepsPageSizeRowsAndPointsAfterItsLastOnlyWhenMoreFollow() {
    HistoryQuery q = QUERY.withPageSize(2);
    List<StoredRequest> three = List.of(row("c", T.plusSeconds(2)), row("b", T.plusSeconds(1)), row("a", T));
    Page<StoredRequest> page = PageCursor.page(q, three);
    assertThat(page.items()).extracting(StoredRequest::requestId).containsExactly("c", "b");
    assertThat(PageCursor.from(withToken(q, page.nextPageToken().orElseThrow())))
        .contains(new PageCursor(T.plusSeconds(1), "b"));
    Page<StoredRequest> last = PageCursor.page(q, three.subList(0, 2));
    assertThat(last.items()).hasSize(2);
    assertThat(last.nextPageToken()).isEmpty();
  }

  @Test
  void aCursorNeedsATimeAndARequestId() {
    assertThatThrownBy(() -> new PageCursor(null, "r")).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("submittedAt");
    assertThatThrownBy(() -> new PageCursor(T, " ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requestId is blank");
  }
}
