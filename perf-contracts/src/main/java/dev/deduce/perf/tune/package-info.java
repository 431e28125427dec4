/**
 * The serving-settings tuner: {@link dev.deduce.perf.tune.Tuner} measures batching, instance and engine-thread
 * settings of one model with the SLA runner and returns a {@link dev.deduce.perf.tune.TuneResult}.
 */
package dev.deduce.perf.tune;
