package dev.deduce.spi;

import dev.deduce.api.RequestStatus;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A filter over stored requests, newest first, one page at a time. Null fields match everything.
 *
 * @param model     only this model
 * @param version   only this version
 * @param status    only this status
 * @param from      submitted at or after
 * @param to        submitted before
 * @param pageSize  at most this many per page, 1..10,000
 * @param pageToken the {@link Page#nextPageToken()} of the previous page, or null for the first
 */
public record HistoryQuery(String model, String version, RequestStatus status, Instant from, Instant to,
    int pageSize, String pageToken) {

  /** Largest page a store returns. */
  public static final int MAX_PAGE_SIZE = 10_000;

  /** Checks the page size and time range. */
  public HistoryQuery {
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new IllegalArgumentException("page size is " + pageSize + "; expected 1 to " + MAX_PAGE_SIZE);
    }
    if (from != null && to != null && to.isBefore(from)) {
      throw new IllegalArgumentException("time range ends at " + to + " before it starts at " + from);
    }
  }

  /** Every request, 100 per page. */
  public static HistoryQuery all() {
    return new HistoryQuery(null, null, null, null, null, 100, null);
  }

  /** This query for {@code model}. */
  public HistoryQuery withModel(String m) {
    return new HistoryQuery(m, version, status, from, to, pageSize, pageToken);
  }

  /** This query for {@code version}. */
  public HistoryQuery withVersion(String v) {
    return new HistoryQuery(model, v, status, from, to, pageSize, pageToken);
  }

  /** This query for {@code status}. */
  public HistoryQuery withStatus(RequestStatus s) {
    return new HistoryQuery(model, version, s, from, to, pageSize, pageToken);
  }

  /** This query over submissions in {@code [start, end)}. */
  public HistoryQuery between(Instant start, Instant end) {
    return new HistoryQuery(model, version, status, start, end, pageSize, pageToken);
  }

  /** This query with {@code size} rows a page. */
  public HistoryQuery withPageSize(int size) {
    return new HistoryQuery(model, version, status, from, to, size, pageToken);
  }

  /** The page after {@code page}, if there is one. */
  public Optional<HistoryQuery> next(Page<?> page) {
    Objects.requireNonNull(page, "page");
    return page.nextPageToken().map(t -> new HistoryQuery(model, version, status, from, to, pageSize, t));
  }
}
