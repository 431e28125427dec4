package dev.deduce.runtime;

/** What a model does with NaN and infinite values in FLOAT32 and FLOAT64 inputs ({@code non-finite-inputs}). */
public enum NonFiniteInputs {
  /** Passes them to the engine: NaN is a legitimate "missing" marker for many models (tree ensembles, say). */
  ALLOW,
  /** Fails the request with an InvalidInputException naming the input and the first such element. */
  REJECT
}
