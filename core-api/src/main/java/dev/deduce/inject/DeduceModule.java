package dev.deduce.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Names;
import dev.deduce.api.InferenceService;
import dev.deduce.host.DeduceHost;
import dev.deduce.plugin.PluginHost;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Objects;

/**
 * Binds a Deduce host for Guice apps: {@link InferenceService} (the {@link DeduceRuntime}), the {@link ModelRepository},
 * the {@link PluginHost}, the {@link DeduceHost} they belong to, {@link RuntimeSettings}, the {@link MeterRegistry}
 * and each {@code deduce.plugins.settings} value as a {@code @Named} string.
 *
 * <p>Settings come from {@code deduce.plugins.*}, {@code deduce.repository.*}, {@code deduce.store.*} and
 * {@code deduce.durability}. Plugin engines and stores are built by the injector, so their constructors may take the
 * MeterRegistry and {@code @Named} strings from {@code deduce.plugins.settings}. Everything starts when the injector
 * is created; close it all, in order, with {@link DeduceLifecycle#close()}.
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
  DeduceHost host(Injector injector) {
    return DeduceHost.builder().settings(settings).meterRegistry(registry)
        .extensionCreator(new GuiceExtensionCreator(injector)).start();
  }

  @Provides
  @Singleton
  PluginHost pluginHost(DeduceHost host) {
    return host.plugins();
  }

  @Provides
  @Singleton
  DeduceRuntime runtime(DeduceHost host) {
    return host.runtime();
  }

  @Provides
  @Singleton
  ModelRepository repository(DeduceHost host) {
    return host.repository().orElseThrow(() -> new IllegalStateException("deduce.repository.dir is not set; "
        + "expected the models folder (laid out <model>/<version>/model.conf) to bind a ModelRepository"));
  }
}
