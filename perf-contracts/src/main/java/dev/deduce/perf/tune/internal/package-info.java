/** The tuner's search space, search, serving and reports: not API. */
package dev.deduce.perf.tune.internal;
