package dev.deduce.plugin;

import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.StoreProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.pf4j.AbstractExtensionFinder;
import org.pf4j.DefaultPluginManager;
import org.pf4j.ExtensionFactory;
import org.pf4j.ExtensionFinder;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.Plugin;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginFactory;
import org.pf4j.PluginManager;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginStatusProvider;
import org.pf4j.PluginWrapper;
import org.pf4j.RuntimeMode;

/**
 * PF4J set up for the host: deployment mode whatever {@code pf4j.mode} says, manifest descriptors only, no
 * enabled/disabled files in the plugins folder, extensions listed inside plugins only (the host scans its own
 * classpath with ServiceLoader).
 */
final class HostPluginManager extends DefaultPluginManager {

  private volatile ExtensionFactory extensionFactory;

  HostPluginManager(Path root, ExtensionFactory extensionFactory, String systemVersion) {
    super(root);
    // initialize() runs inside super(), before this field could be set; PF4J reads it through the getter.
    this.extensionFactory = extensionFactory;
    setSystemVersion(systemVersion);
  }

  @Override
  public ExtensionFactory getExtensionFactory() {
    return extensionFactory;
  }

  @Override
  public RuntimeMode getRuntimeMode() {
    return RuntimeMode.DEPLOYMENT;
  }

  @Override
  protected PluginFactory createPluginFactory() {
    return HostPluginManager::createPlugin;
  }

  /** Like PF4J's factory, but a bad Plugin-Class fails the start with a reason instead of returning null. */
  private static Plugin createPlugin(PluginWrapper wrapper) {
    String className = wrapper.getDescriptor().getPluginClass();
    if (className == null || className.isBlank() || className.equals(Plugin.class.getName())) {
      return new Plugin();
    }
    Class<?> type;
    try {
      type = wrapper.getPluginClassLoader().loadClass(className);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new PluginRuntimeException(e, "Plugin-Class {} cannot be loaded from the plugin: {}", className, e);
    }
    if (!Plugin.class.isAssignableFrom(type) || Modifier.isAbstract(type.getModifiers())) {
      throw new PluginRuntimeException("Plugin-Class {} is not a concrete subclass of {}", className,
          Plugin.class.getName());
    }
    try {
      return (Plugin) type.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw new PluginRuntimeException("Plugin-Class {} has no public no-argument constructor", className);
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new PluginRuntimeException(cause, "Plugin-Class {} constructor threw {}", className, cause);
    }
  }

  @Override
  protected PluginDescriptorFinder createPluginDescriptorFinder() {
    return new ManifestPluginDescriptorFinder();
  }

  @Override
  protected PluginStatusProvider createPluginStatusProvider() {
    return new PluginStatusProvider() {
      @Override
      public boolean isPluginDisabled(String pluginId) {
        return false;
      }

      @Override
      public void disablePlugin(String pluginId) {
        // The host decides what runs; nothing is remembered in the plugins folder.
      }

      @Override
      public void enablePlugin(String pluginId) {
        // See disablePlugin.
      }
    };
  }

  @Override
  protected ExtensionFinder createExtensionFinder() {
    PluginIndexFinder finder = new PluginIndexFinder(this);
    addPluginStateListener(finder);
    return finder;
  }

  /**
   * Reads PF4J's {@code META-INF/extensions.idx} and the {@code META-INF/services} files of the two extension points
   * from a plugin's own jars only. PF4J's finders also read the host's copies through the parent loader, and its
   * ServiceLoader finder reads every services file, loading unrelated library classes.
   */
  private static final class PluginIndexFinder extends AbstractExtensionFinder {
    private static final List<String> FILES = List.of(
        "META-INF/extensions.idx",
        "META-INF/services/" + InferenceEngine.class.getName(),
        "META-INF/services/" + StoreProvider.class.getName());

    PluginIndexFinder(PluginManager manager) {
      super(manager);
    }

    @Override
    public Map<String, Set<String>> readClasspathStorages() {
      return Map.of();
    }

    @Override
    public Map<String, Set<String>> readPluginsStorages() {
      Map<String, Set<String>> result = new LinkedHashMap<>();
      for (PluginWrapper plugin : pluginManager.getPlugins()) {
        Set<String> names = new LinkedHashSet<>();
        if (plugin.getPluginClassLoader() instanceof URLClassLoader loader) {
          for (String file : FILES) {
            try {
              for (URL url : Collections.list(loader.findResources(file))) {
                names.addAll(readProviderNames(url));
              }
            } catch (IOException e) {
              throw new UncheckedIOException("cannot read " + file + " in plugin " + plugin.getPluginId(), e);
            }
          }
        }
        result.put(plugin.getPluginId(), names);
      }
      return result;
    }

    private static List<String> readProviderNames(URL url) throws IOException {
      URLConnection connection = url.openConnection();
      // A cached jar connection would keep the plugin file open after its class loader closes.
      connection.setUseCaches(false);
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
        List<String> names = new ArrayList<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          int comment = line.indexOf('#');
          String name = (comment >= 0 ? line.substring(0, comment) : line).trim();
          if (!name.isEmpty()) {
            names.add(name);
          }
        }
        return names;
      }
    }
  }
}
