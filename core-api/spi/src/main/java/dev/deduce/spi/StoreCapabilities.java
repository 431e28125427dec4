package dev.deduce.spi;

import java.util.Optional;

/**
 * What a store offers beyond the core contract.
 *
 * @param queryLanguage the native query language accepted by {@link Store#query}, e.g. {@code sql} or
 *                      {@code datalog}, or empty if none
 * @param vectorSearch  whether {@link Store#nearest} works
 */
public record StoreCapabilities(Optional<String> queryLanguage, boolean vectorSearch) {

  /** Neither a query language nor vector search. */
  public static StoreCapabilities none() {
    return new StoreCapabilities(Optional.empty(), false);
  }
}
