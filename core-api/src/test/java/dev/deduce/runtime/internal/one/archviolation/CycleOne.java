package dev.deduce.runtime.internal.one.archviolation;

/** With {@code CycleTwo}, breaks the layers rule on purpose: two internal packages that use each other. */
public class CycleOne {
  public Object next() {
    return new dev.deduce.runtime.internal.two.archviolation.CycleTwo();
  }
}
