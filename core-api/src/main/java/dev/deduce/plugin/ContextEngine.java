package dev.deduce.plugin;

import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.util.Set;

/** An engine whose every call runs with its plugin's context class loader; DJL finds its engines through it. */
final class ContextEngine implements InferenceEngine {

  private final InferenceEngine delegate;
  private final ClassLoader loader;

  ContextEngine(InferenceEngine delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  @Override
  public String id() {
    return ContextLoader.call(loader, delegate::id);
  }

  @Override
  public Set<String> formats() {
    return ContextLoader.call(loader, delegate::formats);
  }

  @Override
  public boolean threadSafeModels() {
    return ContextLoader.call(loader, delegate::threadSafeModels);
  }

  @Override
  public LoadedModel load(ModelSource source) {
    return new ContextLoadedModel(ContextLoader.call(loader, () -> delegate.load(source)), loader);
  }

  @Override
  public void prepare() {
    ContextLoader.run(loader, delegate::prepare);
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
