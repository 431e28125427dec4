package dev.deduce.runtime.internal.two.archviolation;

/** With {@code CycleOne}, breaks the layers rule on purpose. */
public class CycleTwo {
  public Object back() {
    return new dev.deduce.runtime.internal.one.archviolation.CycleOne();
  }
}
