package dev.deduce.api.archviolation;

/** Breaks the API rule on purpose: the API may use the JDK only. */
public class ApiClassUsingArchUnit {
  public Object leak() {
    return com.tngtech.archunit.core.importer.ClassFileImporter.class;
  }
}
