/** The engine contract suite every engine plugin runs, and the per-dtype tolerances it compares with. */
package dev.deduce.perf.engine;
