package dev.deduce.plugin;

import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;

/** A store provider whose every call runs with its plugin's context class loader. */
final class ContextStoreProvider implements StoreProvider {

  private final StoreProvider delegate;
  private final ClassLoader loader;

  ContextStoreProvider(StoreProvider delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  @Override
  public String id() {
    return ContextLoader.call(loader, delegate::id);
  }

  @Override
  public Store open(StoreConfig config) {
    return new ContextStore(ContextLoader.call(loader, () -> delegate.open(config)), loader);
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
