package dev.deduce.engine.x.archviolation;

/** Breaks the plugin-independence rule on purpose: an engine module may not use a store module. */
public class EngineUsingStore {
  public Object leak() {
    return new dev.deduce.store.y.archviolation.SomeStoreClass();
  }
}
