package dev.deduce.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a history query.
 *
 * @param items         the rows on this page
 * @param nextPageToken the token for the next page, empty on the last
 * @param <T>           the row type
 */
public record Page<T>(List<T> items, Optional<String> nextPageToken) {

  /** Copies the items. */
  public Page {
    items = List.copyOf(Objects.requireNonNull(items, "items"));
    Objects.requireNonNull(nextPageToken, "nextPageToken");
  }
}
