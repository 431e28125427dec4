/**
 * Guice wiring for host applications, and Guice-built plugin extensions.
 *
 * <p>May depend on everything else in core-api.
 */
package dev.deduce.inject;
