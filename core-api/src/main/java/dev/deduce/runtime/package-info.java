/**
 * The runtime: queueing, dynamic batching, resilience, durability, metrics and tracing around the engines.
 *
 * <p>Start with {@link dev.deduce.runtime.DeduceRuntime#builder()}. Public types are the runtime and its builder,
 * {@link dev.deduce.runtime.Durability}, {@link dev.deduce.runtime.ModelSettings},
 * {@link dev.deduce.runtime.RuntimeSettings} and {@link dev.deduce.runtime.MemoryStore}; the rest is internal.
 */
package dev.deduce.runtime;
