package dev.deduce.plugin;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PluginPackageRulesTest {

  private static JavaClasses core;
  private static boolean resolved;

  @BeforeAll
  static void importCoreApi() {
    // The rules look at package names only; resolving every library class from the classpath takes seconds.
    resolved = ArchConfiguration.get().resolveMissingDependenciesFromClassPath();
    ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    core = new ClassFileImporter()
        .importLocations(Set.of(Location.of(PluginHost.class.getProtectionDomain().getCodeSource().getLocation())));
  }

  @AfterAll
  static void restore() {
    ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(resolved);
  }

  @Test
  void pluginHostUsesOnlyApiSpiAndItsLibraries() {
    classes().that().resideInAPackage("dev.deduce.plugin")
        .should().onlyDependOnClassesThat().resideInAnyPackage("dev.deduce.api", "dev.deduce.spi",
            "dev.deduce.runtime..", "dev.deduce.plugin", "java..", "org.pf4j..", "io.micrometer..", "org.slf4j..")
        .check(core);
  }

  @Test
  void injectIsNotUsedBelowIt() {
    classes().that().resideInAnyPackage("dev.deduce.api", "dev.deduce.spi", "dev.deduce.plugin",
            "dev.deduce.reference")
        .should().onlyDependOnClassesThat().resideOutsideOfPackage("dev.deduce.inject..")
        .check(core);
  }
}
