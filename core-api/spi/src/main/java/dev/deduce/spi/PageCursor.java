package dev.deduce.spi;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The one history page-token format every store uses: the keyset position of the last row served, in the history's
 * newest-first order ({@link #NEWEST_FIRST}), bound to the query's filters and versioned.
 *
 * <p>A page starts strictly after the cursor, so rows added or completed between two page calls never shift a page:
 * no row is served twice and no row that existed when paging started is skipped. The token is opaque to callers
 * (URL-safe Base64), and tokens from an earlier run or another store instance over the same data stay valid.
 *
 * @param submittedAt the last served row's submission time
 * @param requestId   the last served row's request id, the tie-break between equal submission times
 */
public record PageCursor(Instant submittedAt, String requestId) {

  /**
   * History order: submission time descending, then request id descending by code point. Code point order is UTF-8
   * byte order, which is how SQLite and CozoDB compare text, so a store can sort in its own engine and agree.
   */
  public static final Comparator<PageCursor> NEWEST_FIRST = Comparator.comparing(PageCursor::submittedAt)
      .thenComparing(PageCursor::requestId, PageCursor::compareCodePoints).reversed();

  // the format version: a token of another version is refused with a message saying so, never misread
  private static final String VERSION = "p1";

  /** Rejects nulls and a blank request id. */
  public PageCursor {
    Objects.requireNonNull(submittedAt, "submittedAt must not be null");
    Objects.requireNonNull(requestId, "requestId must not be null");
    if (requestId.isBlank()) {
      throw new IllegalArgumentException("requestId is blank; expected the id of the last row served");
    }
  }

  /** The position of {@code row}. */
  public static PageCursor of(StoredRequest row) {
    return new PageCursor(row.request().submittedAt(), row.requestId());
  }

  /**
   * The position {@code query.pageToken()} holds, or empty for the first page.
   *
   * @throws IllegalArgumentException when the token is not one a store issued, is of another format version, or
   *                                  was issued for a query with other filters
   */
  public static Optional<PageCursor> from(HistoryQuery query) {
    String token = query.pageToken();
    if (token == null) {
      return Optional.empty();
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw notAToken(token);
    }
    // version : filters : epoch second : nano : request id (last, so it may hold ':')
    String[] parts = text.split(":", 5);
    if (parts.length != 5 || !parts[0].matches("p[0-9]+")) {
      throw notAToken(token);
    }
    if (!parts[0].equals(VERSION)) {
      throw new IllegalArgumentException("page token '" + token + "' is of format " + parts[0] + "; expected format "
          + VERSION + ": ask for the first page again (page token null)");
    }
    PageCursor cursor;
    try {
      long nano = Long.parseLong(parts[3]);
      if (nano < 0 || nano > 999_999_999L || parts[4].isBlank()) {
        throw notAToken(token);
      }
      cursor = new PageCursor(Instant.ofEpochSecond(Long.parseLong(parts[2]), nano), parts[4]);
    } catch (NumberFormatException | DateTimeException e) {
      throw notAToken(token);
    }
    if (!parts[1].equals(filters(query))) {
      throw new IllegalArgumentException("page token '" + token + "' was issued for a query with other filters; "
          + "expected the token of the previous page of this same query");
    }
    return Optional.of(cursor);
  }

  /** The token of the page that follows this position in {@code query}. */
  public String token(HistoryQuery query) {
    String text = VERSION + ':' + filters(query) + ':' + submittedAt.getEpochSecond() + ':' + submittedAt.getNano()
        + ':' + requestId;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The page of {@code query} from {@code fetched}: the rows after the query's cursor, newest first, of which the
   * store read up to {@code pageSize + 1} so that the extra row tells whether another page follows.
   */
  public static Page<StoredRequest> page(HistoryQuery query, List<StoredRequest> fetched) {
    if (fetched.size() <= query.pageSize()) {
      return new Page<>(fetched, Optional.empty());
    }
    List<StoredRequest> items = fetched.subList(0, query.pageSize());
    return new Page<>(items, Optional.of(of(items.get(items.size() - 1)).token(query)));
  }

  /** Compares by Unicode code point, i.e. in UTF-8 byte order (not {@link String#compareTo}'s UTF-16 order). */
  public static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static IllegalArgumentException notAToken(String token) {
    return new IllegalArgumentException("page token '" + token + "' is not a history page token; expected "
        + "Page.nextPageToken() of a previous page of this query, or null for the first page");
  }

  // A fingerprint of the filters, stable across JVMs (names, not hash codes), so a token cannot silently be used with
  // another query. The page size is left out: a caller may change it between pages.
  private static String filters(HistoryQuery q) {
    CRC32 crc = new CRC32();
    for (Object field : new Object[] {q.model(), q.version(), q.status(), q.from(), q.to()}) {
      String s = field == null ? "-" : field.toString().length() + "=" + field;
      crc.update((s + ';').getBytes(StandardCharsets.UTF_8));
    }
    return Long.toHexString(crc.getValue());
  }
}
