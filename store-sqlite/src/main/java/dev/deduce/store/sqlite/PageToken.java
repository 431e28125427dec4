package dev.deduce.store.sqlite;

import dev.deduce.spi.HistoryQuery;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * The keyset position of a history page: the last row's {@code (submitted_at, request_id)} and a fingerprint of
 * the filters, so a token cannot silently be used with another query.
 */
record PageToken(long submittedAt, String requestId) {

  private static final String PREFIX = "s1";

  String encode(HistoryQuery q) {
    String text = PREFIX + ':' + fingerprint(q) + ':' + submittedAt + ':' + requestId;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The position in {@code q.pageToken()}, or null when it is the first page. */
  static PageToken decode(HistoryQuery q) {
    String token = q.pageToken();
    if (token == null) {
      return null;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw notOurs(token);
    }
    String[] parts = text.split(":", 4);
    if (parts.length != 4 || !parts[0].equals(PREFIX) || parts[3].isEmpty()) {
      throw notOurs(token);
    }
    if (!parts[1].equals(fingerprint(q))) {
      throw new IllegalArgumentException("page token '" + token + "' was issued for a query with other filters; "
          + "expected the token of the previous page of this same query");
    }
    try {
      return new PageToken(Long.parseLong(parts[2]), parts[3]);
    } catch (NumberFormatException e) {
      throw notOurs(token);
    }
  }

  private static IllegalArgumentException notOurs(String token) {
    return new IllegalArgumentException("page token '" + token + "' is not one the SQLite store issued; expected "
        + "Page.nextPageToken() of a previous page, or null for the first page");
  }

  private static String fingerprint(HistoryQuery q) {
    return Integer.toHexString(Objects.hash(q.model(), q.version(), q.status(), q.from(), q.to()));
  }
}
