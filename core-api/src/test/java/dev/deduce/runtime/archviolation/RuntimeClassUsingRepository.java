package dev.deduce.runtime.archviolation;

/** Breaks the runtime-hosts rule on purpose: the runtime may not reach into the model repository. */
public class RuntimeClassUsingRepository {
  public Object leak() {
    return new dev.deduce.repository.archviolation.RepositoryUsingRuntimeInternals();
  }
}
