/**
 * The reference engine: a pure-Java evaluator of small feed-forward graphs, used as the oracle by the runtime tests
 * and the contract suites, and as a real engine for trying Deduce without native code.
 *
 * <p>May depend on {@code dev.deduce.api} and {@code dev.deduce.spi} only.
 */
package dev.deduce.reference;
