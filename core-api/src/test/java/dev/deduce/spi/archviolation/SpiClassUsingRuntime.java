package dev.deduce.spi.archviolation;

/** Breaks the SPI rule on purpose: the SPI may not reach into the runtime. */
public class SpiClassUsingRuntime {
  public Object leak() {
    return new dev.deduce.runtime.archviolation.RuntimeClassUsingPluginHost();
  }
}
