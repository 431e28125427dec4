/**
 * The reference models every engine is held to ({@link dev.deduce.perf.modelkit.ModelKit}), their seeded inputs,
 * and the {@link dev.deduce.perf.modelkit.ModelWriter} hook through which engine modules add formats.
 */
package dev.deduce.perf.modelkit;
