/** Internals of the Flink SQL model provider: rows to tensors and back, the shared function lifecycle. Not API. */
package dev.deduce.flink.sql.internal;
