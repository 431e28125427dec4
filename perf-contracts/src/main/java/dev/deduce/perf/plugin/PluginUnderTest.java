package dev.deduce.perf.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.plugin.Contributed;
import dev.deduce.plugin.PluginHost;
import dev.deduce.plugin.PluginInfo;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.StoreProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pf4j.PluginClassLoader;

/**
 * A plugin zip loaded as a host loads it: copied into an empty plugins folder and started by a {@link PluginHost}.
 * A plugin module's integration test hands the engines and stores it yields to {@code EngineContract} and
 * {@code StoreContract}.
 *
 * <p>Each engine or store it hands out has been checked to come from the plugin: attributed to it by the host,
 * wrapped by the host (which sets the context class loader around every call), and implemented by a class that PF4J's
 * plugin class loader defined and that the test's own class loader cannot see. Run it with a classpath that holds
 * neither the module's classes nor its bundled libraries (the parent pom's {@code deduce-plugin} profile sets
 * failsafe up that way); otherwise a plugin missing a library would pass by borrowing the test's copy.
 */
public final class PluginUnderTest implements AutoCloseable {

  /** The system property naming the plugin zip; the {@code deduce-plugin} profile sets it for failsafe. */
  public static final String ZIP_PROPERTY = "plugin.under.test.zip";

  private final PluginHost host;
  private final PluginInfo info;

  private PluginUnderTest(PluginHost host, PluginInfo info) {
    this.host = host;
    this.info = info;
  }

  /**
   * Copies the zip named by {@value #ZIP_PROPERTY} into {@code pluginsFolder} (which must be empty) and starts a
   * host on that folder; fails unless exactly that plugin started and nothing was disabled.
   */
  public static PluginUnderTest start(Path pluginsFolder) {
    String zip = System.getProperty(ZIP_PROPERTY);
    if (zip == null || zip.isBlank()) {
      throw new IllegalStateException("system property " + ZIP_PROPERTY + " is not set; expected the path of the "
          + "plugin zip, which the parent pom's deduce-plugin profile passes to failsafe after 'package'");
    }
    return start(Path.of(zip), pluginsFolder);
  }

  /** Copies {@code zip} into the empty {@code pluginsFolder} and starts a host on it, as {@link #start(Path)}. */
  public static PluginUnderTest start(Path zip, Path pluginsFolder) {
    if (!Files.isRegularFile(zip)) {
      throw new IllegalStateException("plugin zip " + zip + " does not exist; expected the module's build to have "
          + "made it in 'package' (run mvn verify, not mvn test)");
    }
    Path copy;
    try (var entries = Files.list(pluginsFolder)) {
      assertThat(entries.toList()).as("plugins folder %s before the copy", pluginsFolder).isEmpty();
      copy = Files.copy(zip, pluginsFolder.resolve(zip.getFileName()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + zip + " into " + pluginsFolder, e);
    }
    PluginHost host = PluginHost.builder().pluginsDir(pluginsFolder).start();
    try {
      assertThat(host.problems()).as("plugins the host disabled").isEmpty();
      List<PluginInfo> plugins = host.plugins();
      assertThat(plugins).as("plugins the host started").hasSize(1);
      PluginInfo info = plugins.get(0);
      assertThat(info.source()).isEqualTo(copy);
      return new PluginUnderTest(host, info);
    } catch (RuntimeException | AssertionError e) {
      host.close();
      throw e;
    }
  }

  /** The plugin as the host reports it. */
  public PluginInfo info() {
    return info;
  }

  /** The file names under {@code lib/} in the plugin zip: the libraries it bundles, sorted. */
  public List<String> libraries() {
    try (ZipFile zip = new ZipFile(info.source().toFile())) {
      return zip.stream().map(ZipEntry::getName)
          .filter(n -> n.startsWith("lib/") && n.length() > "lib/".length() && !n.endsWith("/"))
          .map(n -> n.substring("lib/".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the plugin zip " + info.source(), e);
    }
  }

  /** The host; closed by {@link #close()}. */
  public PluginHost host() {
    return host;
  }

  /** The engine with {@code id}, checked to come from the plugin. */
  public InferenceEngine engine(String id) {
    return fromPlugin(host.engines(), id, InferenceEngine.class);
  }

  /** The store provider with {@code id}, checked to come from the plugin. */
  public StoreProvider store(String id) {
    return fromPlugin(host.stores(), id, StoreProvider.class);
  }

  /** Closes the host, which stops and unloads the plugin. */
  @Override
  public void close() {
    host.close();
  }

  private <T> T fromPlugin(List<Contributed<T>> contributed, String id, Class<T> type) {
    Optional<Contributed<T>> found = contributed.stream().filter(c -> c.id().equals(id)).findFirst();
    assertThat(found).as("%s '%s' among %s", type.getSimpleName(), id, contributed).isPresent();
    Contributed<T> c = found.get();
    assertThat(c.pluginId()).as("plugin that contributed '%s'", id).contains(info.id());
    assertThat(c.source()).isEqualTo(info.source().toString());
    T extension = c.extension();
    Object implementation = wrapped(extension, type);
    ClassLoader loader = implementation.getClass().getClassLoader();
    assertThat(loader).as("class loader of %s", implementation.getClass().getName())
        .isInstanceOf(PluginClassLoader.class);
    assertThat(extension.getClass().getClassLoader()).as("the host's wrapper is the host's class")
        .isNotSameAs(loader);
    ClassLoader ours = PluginUnderTest.class.getClassLoader();
    try {
      Class<?> shadow = Class.forName(implementation.getClass().getName(), false, ours);
      throw new AssertionError(implementation.getClass().getName() + " is also on the test's classpath (from "
          + shadow.getProtectionDomain().getCodeSource() + "); expected the plugin zip to be its only source");
    } catch (ClassNotFoundException expected) {
      // the plugin zip is the only place the implementation can come from
    }
    return extension;
  }

  /**
   * The plugin's own object inside the host's wrapper. The host keeps it in a field of the extension type; reading it
   * reflectively is the only way to reach its class loader, which is the point of the check.
   */
  private static Object wrapped(Object wrapper, Class<?> type) {
    for (Class<?> k = wrapper.getClass(); k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers()) && type.isAssignableFrom(f.getType())) {
          try {
            f.setAccessible(true);
            return f.get(wrapper);
          } catch (ReflectiveOperationException | RuntimeException e) {
            throw new AssertionError("cannot read " + f + " of the host's wrapper " + wrapper.getClass().getName(), e);
          }
        }
      }
    }
    throw new AssertionError(wrapper.getClass().getName() + " holds no " + type.getSimpleName() + "; expected the "
        + "host to wrap the plugin's " + type.getSimpleName() + " so calls run with the plugin's context class loader");
  }
}
