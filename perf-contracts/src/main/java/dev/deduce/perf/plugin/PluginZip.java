package dev.deduce.perf.plugin;

import dev.deduce.plugin.PluginHost;
import dev.deduce.plugin.PluginInfo;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.StoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The module's built plugin zip, started once per test class through {@link PluginUnderTest}: register it as a
 * {@code static} {@code @RegisterExtension} field of a plugin integration test and take the engines or stores from it.
 */
public final class PluginZip implements BeforeAllCallback, AfterAllCallback {

  private Path folder;
  private PluginUnderTest plugin;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    folder = Files.createTempDirectory("deduce-plugin-under-test");
    plugin = PluginUnderTest.start(folder);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (plugin != null) {
        plugin.close();
      }
    } finally {
      plugin = null;
      if (folder != null) {
        try (Stream<Path> files = Files.walk(folder)) {
          for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /** The engine with {@code id}, checked to come from the plugin. */
  public InferenceEngine engine(String id) {
    return started().engine(id);
  }

  /** The store provider with {@code id}, checked to come from the plugin. */
  public StoreProvider store(String id) {
    return started().store(id);
  }

  /** The plugin as the host reports it. */
  public PluginInfo info() {
    return started().info();
  }

  /** The libraries the zip bundles under {@code lib/}, sorted. */
  public List<String> libraries() {
    return started().libraries();
  }

  /** The host that started the plugin. */
  public PluginHost host() {
    return started().host();
  }

  private PluginUnderTest started() {
    if (plugin == null) {
      throw new IllegalStateException("the plugin zip is not started; expected PluginZip in a static"
          + " @RegisterExtension field, used from tests or @BeforeAll methods after it");
    }
    return plugin;
  }
}
