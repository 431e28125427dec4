/**
 * Deduce inside Flink DataStream jobs: {@link dev.deduce.flink.DeduceInference} wires
 * {@link dev.deduce.flink.DeduceAsyncFunction} (one DeduceHost per subtask) under Flink's async I/O operator.
 */
package dev.deduce.flink;
