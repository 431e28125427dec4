/**
 * The runtime: queueing, dynamic batching, resilience, durability, metrics and tracing around the engines.
 *
 * <p>Start with {@link dev.deduce.runtime.DeduceRuntime#builder()}. Public types are the runtime and its builder,
 * {@link dev.deduce.runtime.Durability}, {@link dev.deduce.runtime.ModelSettings},
 * {@link dev.deduce.runtime.RuntimeSettings}, {@link dev.deduce.runtime.MemoryStore}, and the model repository
 * {@link dev.deduce.runtime.ModelRepository} with {@link dev.deduce.runtime.Health} and
 * {@link dev.deduce.runtime.RepositoryProblem}; the rest is internal.
 */
package dev.deduce.runtime;
