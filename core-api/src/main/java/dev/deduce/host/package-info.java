/** {@link dev.deduce.host.DeduceHost}: one way to start and stop a whole Deduce host in order. */
package dev.deduce.host;
