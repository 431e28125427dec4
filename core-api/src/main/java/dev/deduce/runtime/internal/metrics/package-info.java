/** The runtime's Micrometer meters; their names are public in {@link dev.deduce.runtime.MetricNames}. Internal. */
package dev.deduce.runtime.internal.metrics;
