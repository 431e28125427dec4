package dev.deduce.runtime;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Plain Java code a host registers as a pipeline step (pre- or post-processing): it takes the inputs its signature
 * names and returns the outputs it names. It must be thread-safe and a pure function of its inputs: a pipeline
 * resumed after a crash runs it again, while the model steps that finished are never re-run.
 *
 * @param signature what it takes and gives (checked against the steps it connects to when a pipeline is bound)
 * @param function  the code
 */
public record CodeStep(ModelSignature signature, UnaryOperator<NamedTensors> function) {

  /** Rejects nulls. */
  public CodeStep {
    Objects.requireNonNull(signature, "code step signature must not be null");
    Objects.requireNonNull(function, "code step function must not be null");
  }
}
