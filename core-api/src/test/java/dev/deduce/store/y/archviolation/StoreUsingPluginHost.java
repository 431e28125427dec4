package dev.deduce.store.y.archviolation;

import dev.deduce.plugin.PluginHost;

/** Breaks the SPI-only rule on purpose: a store module may not use the plugin host. */
public class StoreUsingPluginHost {
  public Class<?> leak() {
    return PluginHost.class;
  }
}
