package dev.deduce.runtime.archviolation;

/** Breaks the runtime rule on purpose: the runtime may not reach into the plugin host. */
public class RuntimeClassUsingPluginHost {
  public Object leak() {
    return new dev.deduce.plugin.archviolation.SomePluginHostClass();
  }
}
