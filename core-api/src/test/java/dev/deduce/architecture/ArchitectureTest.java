package dev.deduce.architecture;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.deduce.engine.x.archviolation.EngineUsingSpi;
import dev.deduce.store.y.archviolation.SomeStoreClass;
import org.junit.jupiter.api.Test;

/** Checks core-api's own classes, and proves each rule fails on a class that breaks it. */
@AnalyzeClasses(packages = "dev.deduce", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest static final ArchRule api = ArchitectureRules.API_USES_JDK_ONLY;
  @ArchTest static final ArchRule spi = ArchitectureRules.SPI_USES_JDK_AND_API_ONLY;
  @ArchTest static final ArchRule reference = ArchitectureRules.REFERENCE_USES_API_AND_SPI_ONLY;
  @ArchTest static final ArchRule runtime = ArchitectureRules.RUNTIME_IGNORES_PLUGIN_AND_INJECT;
  @ArchTest static final ArchRule plugin = ArchitectureRules.PLUGIN_IGNORES_INJECT;
  @ArchTest static final ArchRule runtimeHosts = ArchitectureRules.RUNTIME_IGNORES_ITS_HOSTS;
  @ArchTest static final ArchRule internals = ArchitectureRules.RUNTIME_INTERNALS_ARE_PRIVATE;
  @ArchTest static final ArchRule layers = ArchitectureRules.RUNTIME_INTERNALS_HAVE_NO_CYCLES;
  @ArchTest static final ArchRule plugins = ArchitectureRules.PLUGINS_ARE_INDEPENDENT;
  @ArchTest static final ArchRule pluginsSeeSpi = ArchitectureRules.PLUGINS_USE_API_AND_SPI_ONLY;

  private static JavaClasses violations() {
    return new ClassFileImporter().importPackages("dev.deduce.api.archviolation", "dev.deduce.spi.archviolation",
        "dev.deduce.runtime.archviolation", "dev.deduce.plugin.archviolation", "dev.deduce.engine.x.archviolation",
        "dev.deduce.store.y.archviolation", "dev.deduce.repository.archviolation",
        "dev.deduce.runtime.internal.one.archviolation", "dev.deduce.runtime.internal.two.archviolation");
  }

  @Test
  void apiRuleFailsOnAnApiClassUsingALibrary() {
    assertThatThrownBy(() -> ArchitectureRules.API_USES_JDK_ONLY.check(violations()))
        .hasMessageContaining("ApiClassUsingArchUnit");
  }

  @Test
  void spiRuleFailsOnAnSpiClassUsingTheRuntime() {
    assertThatThrownBy(() -> ArchitectureRules.SPI_USES_JDK_AND_API_ONLY.check(violations()))
        .hasMessageContaining("SpiClassUsingRuntime");
  }

  @Test
  void runtimeRuleFailsOnARuntimeClassUsingThePluginHost() {
    assertThatThrownBy(() -> ArchitectureRules.RUNTIME_IGNORES_PLUGIN_AND_INJECT.check(violations()))
        .hasMessageContaining("RuntimeClassUsingPluginHost");
  }

  @Test
  void pluginIndependenceRuleFailsOnAnEngineUsingAStore() {
    assertThatThrownBy(() -> ArchitectureRules.PLUGINS_ARE_INDEPENDENT.check(violations()))
        .hasMessageContaining("EngineUsingStore");
  }

  @Test
  void runtimeHostsRuleFailsOnARuntimeClassUsingTheRepository() {
    assertThatThrownBy(() -> ArchitectureRules.RUNTIME_IGNORES_ITS_HOSTS.check(violations()))
        .hasMessageContaining("RuntimeClassUsingRepository");
  }

  @Test
  void internalsRuleFailsOnARepositoryClassUsingTheRuntimeInternals() {
    assertThatThrownBy(() -> ArchitectureRules.RUNTIME_INTERNALS_ARE_PRIVATE.check(violations()))
        .hasMessageContaining("RepositoryUsingRuntimeInternals");
  }

  @Test
  void layersRuleFailsOnTwoInternalPackagesUsingEachOther() {
    assertThatThrownBy(() -> ArchitectureRules.RUNTIME_INTERNALS_HAVE_NO_CYCLES.check(violations()))
        .hasMessageContaining("CycleOne");
  }

  @Test
  void spiOnlyRuleFailsOnAnEngineUsingTheRuntime() {
    assertThatThrownBy(() -> ArchitectureRules.PLUGINS_USE_API_AND_SPI_ONLY.check(violations()))
        .hasMessageContaining("EngineUsingRuntime")
        .hasMessageContaining("dev.deduce.runtime.Durability");
  }

  @Test
  void spiOnlyRuleFailsOnAStoreUsingThePluginHost() {
    assertThatThrownBy(() -> ArchitectureRules.PLUGINS_USE_API_AND_SPI_ONLY.check(violations()))
        .hasMessageContaining("StoreUsingPluginHost")
        .hasMessageContaining("dev.deduce.plugin.PluginHost");
  }

  @Test
  void spiOnlyRuleLetsAnEngineUseApiSpiAndItsOwnClasses() {
    JavaClasses allowed = new ClassFileImporter().importClasses(EngineUsingSpi.class, SomeStoreClass.class);
    ArchitectureRules.PLUGINS_USE_API_AND_SPI_ONLY.check(allowed);
  }
}
