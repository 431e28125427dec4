package dev.deduce.samples.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.deduce.architecture.ArchitectureRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Engine and store modules never see each other on a classpath, so the rules over all of them can only be checked
 * where all of them have been built: here, after the reactor has compiled every module.
 */
class PluginModulesIndependenceIT {

  private static JavaClasses pluginClasses;

  @BeforeAll
  static void importEveryBuiltPluginModule() throws IOException {
    Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));
    if (!Files.isDirectory(root.resolve("core-api"))) {
      root = Path.of("..");
    }
    List<Path> moduleClasses;
    try (Stream<Path> modules = Files.list(root)) {
      moduleClasses = modules
          .filter(m -> m.getFileName().toString().matches("(engine|store)-.+"))
          .map(m -> m.resolve("target/classes"))
          .filter(Files::isDirectory)
          .sorted()
          .toList();
    }
    // the quickstart needs engine-onnx and store-sqlite, so both are always built before this module
    assertThat(moduleClasses).extracting(p -> p.getParent().getParent().getFileName().toString())
        .contains("engine-onnx", "store-sqlite");
    // Chicory's build-time output for store-cozo is 15 MB of machine code translated from WebAssembly: it references
    // only Chicory, and importing it would take ArchUnit over a minute, so it is left out.
    pluginClasses = new ClassFileImporter()
        .withImportOption(location -> !location.contains("CozoModule"))
        .importPaths(moduleClasses);
    assertThat(pluginClasses.stream().map(c -> c.getPackageName()).distinct())
        .anyMatch(p -> p.startsWith("dev.deduce.engine."))
        .anyMatch(p -> p.startsWith("dev.deduce.store."));
  }

  @Test
  void noEngineOrStoreModuleDependsOnAnother() {
    ArchitectureRules.PLUGINS_ARE_INDEPENDENT.check(pluginClasses);
  }

  @Test
  void noEngineOrStoreModuleUsesDeduceBeyondApiAndSpi() {
    ArchitectureRules.PLUGINS_USE_API_AND_SPI_ONLY.check(pluginClasses);
  }
}
