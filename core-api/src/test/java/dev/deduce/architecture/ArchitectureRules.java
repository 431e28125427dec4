package dev.deduce.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;

/** The layering rules of ARCHITECTURE.md, in one place so every module's build can check them. */
public final class ArchitectureRules {

  private ArchitectureRules() {}

  /** The embedding API depends on the JDK only. */
  public static final ArchRule API_USES_JDK_ONLY = noClasses().that().resideInAPackage("dev.deduce.api..")
      .should().dependOnClassesThat().resideOutsideOfPackages("dev.deduce.api..", "java..")
      .as("dev.deduce.api depends on the JDK only");

  /** The SPI depends on the JDK and the embedding API only. */
  public static final ArchRule SPI_USES_JDK_AND_API_ONLY = noClasses().that().resideInAPackage("dev.deduce.spi..")
      .should().dependOnClassesThat()
      .resideOutsideOfPackages("dev.deduce.spi..", "dev.deduce.api..", "java..")
      .as("dev.deduce.spi depends on the JDK and dev.deduce.api only");

  /** The reference engine is an ordinary engine: JDK, API and SPI only. */
  public static final ArchRule REFERENCE_USES_API_AND_SPI_ONLY = noClasses().that()
      .resideInAPackage("dev.deduce.reference..").should().dependOnClassesThat()
      .resideOutsideOfPackages("dev.deduce.reference..", "dev.deduce.spi..", "dev.deduce.api..", "java..")
      .as("dev.deduce.reference depends on the JDK, dev.deduce.api and dev.deduce.spi only");

  /** The runtime never reaches up into the plugin host or the injection layer. */
  public static final ArchRule RUNTIME_IGNORES_PLUGIN_AND_INJECT = noClasses().that()
      .resideInAPackage("dev.deduce.runtime..").should().dependOnClassesThat()
      .resideInAnyPackage("dev.deduce.plugin..", "dev.deduce.inject..")
      .as("dev.deduce.runtime never depends on dev.deduce.plugin or dev.deduce.inject");

  /** The runtime never reaches up into the hosts built on it: the model repository and DeduceHost. */
  public static final ArchRule RUNTIME_IGNORES_ITS_HOSTS = noClasses().that()
      .resideInAPackage("dev.deduce.runtime..").should().dependOnClassesThat()
      .resideInAnyPackage("dev.deduce.repository..", "dev.deduce.host..")
      .as("dev.deduce.runtime never depends on dev.deduce.repository or dev.deduce.host");

  /** Only the runtime's own packages use its internals; everyone else goes through its public types. */
  public static final ArchRule RUNTIME_INTERNALS_ARE_PRIVATE = noClasses().that()
      .resideOutsideOfPackage("dev.deduce.runtime..").should().dependOnClassesThat()
      .resideInAPackage("dev.deduce.runtime.internal..")
      .as("only dev.deduce.runtime uses dev.deduce.runtime.internal");

  /** The runtime's internal packages form layers (admission, serving, pipeline, durability), never a cycle. */
  public static final ArchRule RUNTIME_INTERNALS_HAVE_NO_CYCLES = slices()
      .matching("dev.deduce.runtime.internal.(*)..").should().beFreeOfCycles()
      .as("the packages of dev.deduce.runtime.internal have no dependency cycle");

  /** The plugin host never reaches up into the injection layer. */
  public static final ArchRule PLUGIN_IGNORES_INJECT = noClasses().that()
      .resideInAPackage("dev.deduce.plugin..").should().dependOnClassesThat()
      .resideInAnyPackage("dev.deduce.inject..")
      .as("dev.deduce.plugin never depends on dev.deduce.inject");

  /** No engine or store module depends on another engine or store module. */
  public static final ArchRule PLUGINS_ARE_INDEPENDENT = slices().matching("dev.deduce.(engine|store).(*)..")
      .should().notDependOnEachOther()
      .allowEmptyShould(true)
      .as("no engine or store module depends on another engine or store module");

  /**
   * Engine and store modules see only the plugin-facing artifact (deduce-spi): nothing of Deduce outside
   * {@code dev.deduce.api} and {@code dev.deduce.spi}. Their own packages are left to {@link #PLUGINS_ARE_INDEPENDENT}.
   */
  public static final ArchRule PLUGINS_USE_API_AND_SPI_ONLY = noClasses().that()
      .resideInAnyPackage("dev.deduce.engine..", "dev.deduce.store..")
      .should().dependOnClassesThat(resideInAPackage("dev.deduce..").and(not(resideInAnyPackage(
          "dev.deduce.api..", "dev.deduce.spi..", "dev.deduce.engine..", "dev.deduce.store.."))))
      .allowEmptyShould(true)
      .as("engine and store modules use nothing of Deduce but dev.deduce.api and dev.deduce.spi");
}
