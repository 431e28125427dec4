/** The request pipeline: a request's life, the model queue, the batcher, batch runs, resilience, outcomes. Internal. */
package dev.deduce.runtime.internal.pipeline;
