package dev.deduce.plugin;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.LoadedModel;

/** A model whose every call runs with its plugin's context class loader. */
final class ContextLoadedModel implements LoadedModel {

  private final LoadedModel delegate;
  private final ClassLoader loader;

  ContextLoadedModel(LoadedModel delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  @Override
  public ModelSignature signature() {
    return ContextLoader.call(loader, delegate::signature);
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    return ContextLoader.call(loader, () -> delegate.run(inputs));
  }

  @Override
  public NamedTensors runAdmitted(NamedTensors inputs) {
    return ContextLoader.call(loader, () -> delegate.runAdmitted(inputs));
  }

  @Override
  public void close() {
    ContextLoader.run(loader, delegate::close);
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
