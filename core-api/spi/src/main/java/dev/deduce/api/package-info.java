/**
 * The embedding API: what a host application touches to run inference.
 *
 * <p>Depends on the JDK only. Start with {@link dev.deduce.api.InferenceService} and {@link dev.deduce.api.Tensor}.
 */
package dev.deduce.api;
