/** Ordered, demand-driven streaming of inputs through the runtime. Internal. */
package dev.deduce.runtime.internal.stream;
