package dev.deduce.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Names;
import dev.deduce.api.InferenceService;
import dev.deduce.plugin.Contributed;
import dev.deduce.plugin.PluginHost;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelRepository;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Binds a Deduce host for Guice apps: {@link InferenceService} (the {@link DeduceRuntime}), the {@link ModelRepository},
 * the {@link PluginHost}, {@link RuntimeSettings}, the {@link MeterRegistry} and each {@code deduce.plugins.settings}
 * value as a {@code @Named} string.
 *
 * <p>Settings come from {@code deduce.plugins.*}, {@code deduce.repository.*}, {@code deduce.store.*} and
 * {@code deduce.durability}. Plugin engines and stores are built by the injector, so their constructors may take the
 * MeterRegistry and {@code @Named} strings from {@code deduce.plugins.settings}. Everything starts when the injector is created; close it all, in order, with
 * {@link DeduceLifecycle#close()}.
 */
public final class DeduceModule extends AbstractModule {

  private final RuntimeSettings settings;
  private final MeterRegistry registry;

  /** Settings from {@link RuntimeSettings#load()}, metrics into a new SimpleMeterRegistry. */
  public DeduceModule() {
    this(RuntimeSettings.load(), new SimpleMeterRegistry());
  }

  /** The given settings, metrics into {@code registry}. */
  public DeduceModule(RuntimeSettings settings, MeterRegistry registry) {
    this.settings = Objects.requireNonNull(settings, "settings must not be null");
    this.registry = Objects.requireNonNull(registry, "meter registry must not be null");
  }

  @Override
  protected void configure() {
    bind(RuntimeSettings.class).toInstance(settings);
    // plugins see JDK types only: their own settings arrive as @Named strings, never as a config library's type
    Names.bindProperties(binder(), settings.plugins().settings());
    bind(MeterRegistry.class).toInstance(registry);
    bind(InferenceService.class).to(DeduceRuntime.class);
    bind(DeduceLifecycle.class).asEagerSingleton();
  }

  @Provides
  @Singleton
  PluginHost pluginHost(Injector injector) {
    PluginHost.Builder b = PluginHost.builder().meterRegistry(registry)
        .extensionCreator(new GuiceExtensionCreator(injector));
    settings.pluginsDir().ifPresent(b::pluginsDir);
    if (!settings.trustedDigests().isEmpty()) {
      b.trustedDigests(settings.trustedDigests());
    }
    return b.start();
  }

  @Provides
  @Singleton
  DeduceRuntime runtime(PluginHost host) {
    List<InferenceEngine> engines = host.engines().stream().map(Contributed::extension).toList();
    Store store = null;
    try {
      store = settings.storeId().map(id -> openStore(host, id)).orElse(null);
      if (store == null && settings.durability() != Durability.NONE) {
        throw new IllegalStateException("deduce.durability is " + settings.durability() + " but deduce.store.id is "
            + "empty; expected a store id such as " + host.stores().stream().map(Contributed::id).toList()
            + ", or durability NONE");
      }
      DeduceRuntime.Builder b = DeduceRuntime.builder().settings(settings).meterRegistry(registry).engines(engines);
      if (store != null) {
        b.store(store);
      }
      return b.build();
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      }
      host.close();
      throw e;
    }
  }

  @Provides
  @Singleton
  ModelRepository repository(DeduceRuntime runtime) {
    Path dir = settings.modelsDir().orElseThrow(() -> new IllegalStateException("deduce.repository.dir is not set; "
        + "expected the models folder (laid out <model>/<version>/model.conf) to bind a ModelRepository"));
    return ModelRepository.builder(runtime, dir).start();
  }

  private Store openStore(PluginHost host, String id) {
    StoreProvider provider = host.store(id).orElseThrow(() -> new IllegalStateException("deduce.store.id is '" + id
        + "', which no plugin or classpath provider offers; expected one of "
        + host.stores().stream().map(Contributed::id).toList()));
    Path location = settings.storeLocation().orElseThrow(() -> new IllegalStateException("deduce.store.location is "
        + "not set; expected the database file or folder for store '" + id + "'"));
    return provider.open(new StoreConfig(location, settings.storeOptions()));
  }
}
