/**
 * Extension points: what an engine or store plugin implements.
 *
 * <p>Depends on the JDK and {@code dev.deduce.api} only. An engine implements {@link dev.deduce.spi.InferenceEngine};
 * a store implements {@link dev.deduce.spi.StoreProvider} and {@link dev.deduce.spi.Store}.
 */
package dev.deduce.spi;
