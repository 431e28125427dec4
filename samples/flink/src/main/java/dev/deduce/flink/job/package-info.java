/** The example Flink job: readings scored by ModelKit's mlp-small, exactly once into FileSink. */
package dev.deduce.flink.job;
