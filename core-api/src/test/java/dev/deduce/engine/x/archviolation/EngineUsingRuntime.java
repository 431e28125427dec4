package dev.deduce.engine.x.archviolation;

import dev.deduce.runtime.Durability;

/** Breaks the SPI-only rule on purpose: an engine module may not use the runtime. */
public class EngineUsingRuntime {
  public Object leak() {
    return Durability.DURABLE;
  }
}
