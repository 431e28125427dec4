/** The store contract suite every store plugin runs. */
package dev.deduce.perf.store;
