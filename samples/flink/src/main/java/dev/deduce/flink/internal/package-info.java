/** Internals of the Flink integration: starting a subtask's host, its store lock, outcome mapping. Not API. */
package dev.deduce.flink.internal;
