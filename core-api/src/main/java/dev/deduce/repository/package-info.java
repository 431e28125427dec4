/**
 * A Triton-like model repository: serves the {@code <model>/<version>/model.conf} folders of a directory through a
 * {@link dev.deduce.runtime.DeduceRuntime}, with version policies, hot swap, problems and health.
 */
package dev.deduce.repository;
