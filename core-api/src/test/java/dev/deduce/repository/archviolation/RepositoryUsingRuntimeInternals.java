package dev.deduce.repository.archviolation;

/** Breaks the internals rule on purpose: only the runtime may use its internal packages. */
public class RepositoryUsingRuntimeInternals {
  public String leak() {
    return dev.deduce.runtime.internal.admission.RequestIds.next();
  }
}
