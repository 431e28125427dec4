/**
 * The SLA suite: declarative per-model SLA files ({@link dev.deduce.perf.sla.SlaSpec}), a perf_analyzer-style runner
 * ({@link dev.deduce.perf.sla.SlaRunner}), JSON and JUnit XML reports ({@link dev.deduce.perf.sla.SlaReports}) and the
 * command line ({@link dev.deduce.perf.sla.SlaMain}).
 */
package dev.deduce.perf.sla;
