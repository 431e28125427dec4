/**
 * The runtime: queueing, dynamic batching, resilience, durability, metrics and tracing around the engines.
 *
 * <p>Start with {@link dev.deduce.runtime.DeduceRuntime#builder()} and serve models with
 * {@link dev.deduce.runtime.DeduceRuntime#deploy(dev.deduce.runtime.Deployment)}. The public types here are the
 * runtime, {@link dev.deduce.runtime.Deployment}, the settings, {@link dev.deduce.runtime.Durability},
 * {@link dev.deduce.runtime.MetricNames} and {@link dev.deduce.runtime.MemoryStore}; everything under
 * {@code dev.deduce.runtime.internal} may change without notice.
 */
package dev.deduce.runtime;
