package dev.deduce.host;

import dev.deduce.plugin.Contributed;
import dev.deduce.plugin.ExtensionCreator;
import dev.deduce.plugin.PluginHost;
import dev.deduce.repository.Health;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole Deduce host, started in order (settings, plugins, store, runtime, model repository) and closed in reverse.
 * Every host app (the quickstart, the SLA command, the Guice module, servers) starts Deduce through this class.
 */
public final class DeduceHost implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeduceHost.class);

  private final RuntimeSettings settings;
  private final PluginHost plugins;
  private final Store store;
  private final DeduceRuntime runtime;
  private final ModelRepository repository;
  private final List<Stage> startup;
  private boolean closed;

  /** One start-up step and how long it took. */
  public record Stage(String name, Duration took) {}

  private DeduceHost(RuntimeSettings settings, PluginHost plugins, Store store, DeduceRuntime runtime,
      ModelRepository repository, List<Stage> startup) {
    this.settings = settings;
    this.plugins = plugins;
    this.store = store;
    this.runtime = runtime;
    this.repository = repository;
    this.startup = List.copyOf(startup);
  }

  /** A builder over {@link RuntimeSettings#load()}, metrics into a new SimpleMeterRegistry. */
  public static Builder builder() {
    return new Builder();
  }

  public RuntimeSettings settings() {
    return settings;
  }

  /** The plugin host: the engines and stores found in the plugins folder and on the classpath. */
  public PluginHost plugins() {
    return plugins;
  }

  /** The store, when one is configured; the runtime owns it and closes it. */
  public Optional<Store> store() {
    return Optional.ofNullable(store);
  }

  public DeduceRuntime runtime() {
    return runtime;
  }

  /** The model repository, when a models folder is configured. */
  public Optional<ModelRepository> repository() {
    return Optional.ofNullable(repository);
  }

  /** The start-up steps in order, with their durations. */
  public List<Stage> startup() {
    return startup;
  }

  /**
   * The repository's health when there is one; otherwise live while the runtime is open, and ready when also the
   * store takes writes.
   */
  public Health health() {
    if (repository != null) {
      return repository.health();
    }
    boolean live = !runtime.isClosed();
    List<String> reasons = new ArrayList<>();
    if (!live) {
      reasons.add("the runtime is closed, and with it the store");
    } else {
      reasons.addAll(runtime.notes());
    }
    Optional<String> storeProblem = runtime.storeProblem();
    storeProblem.ifPresent(reasons::add);
    return new Health(live, live && storeProblem.isEmpty(), reasons);
  }

  /**
   * Stops the repository, drains the runtime (in-flight requests finish, models close, the store flushes and
   * closes), then stops the plugins. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (repository != null) {
        repository.close();
      }
      runtime.close();
    } finally {
      plugins.close();
      LOG.info("Deduce host closed");
    }
  }

  /** Assembles a {@link DeduceHost}; values set here win over the settings' {@code deduce.*} keys. */
  public static final class Builder {
    private RuntimeSettings settings;
    private MeterRegistry registry;
    private Tracer tracer;
    private ExtensionCreator extensionCreator;
    private Path pluginsDir;
    private PluginHost startedPlugins;
    private Path modelsDir;
    private String storeId;
    private Path storeLocation;
    private Map<String, String> storeOptions;
    private Store openStore;
    private Durability durability;
    private final List<InferenceEngine> engines = new ArrayList<>();

    private Builder() {}

    public Builder settings(RuntimeSettings s) {
      this.settings = Objects.requireNonNull(s, "settings must not be null");
      return this;
    }

    public Builder meterRegistry(MeterRegistry r) {
      this.registry = Objects.requireNonNull(r, "meter registry must not be null");
      return this;
    }

    public Builder tracer(Tracer t) {
      this.tracer = Objects.requireNonNull(t, "tracer must not be null");
      return this;
    }

    /** How plugin engines and stores are instantiated, e.g. by a Guice injector. */
    public Builder extensionCreator(ExtensionCreator creator) {
      this.extensionCreator = Objects.requireNonNull(creator, "extension creator must not be null");
      return this;
    }

    /** The folder of engine and store plugins (over {@code deduce.plugins.dir}). */
    public Builder pluginsDir(Path dir) {
      this.pluginsDir = Objects.requireNonNull(dir, "plugins folder must not be null");
      return this;
    }

    /** A plugin host the app started itself (to inspect its plugins first); the DeduceHost closes it. */
    public Builder plugins(PluginHost started) {
      this.startedPlugins = Objects.requireNonNull(started, "plugin host must not be null");
      return this;
    }

    /** The model repository folder (over {@code deduce.repository.dir}). */
    public Builder modelsDir(Path dir) {
      this.modelsDir = Objects.requireNonNull(dir, "models folder must not be null");
      return this;
    }

    /** The store to open: a provider id, its file or folder, and its own options (over {@code deduce.store.*}). */
    public Builder store(String id, Path location, Map<String, String> options) {
      this.storeId = Objects.requireNonNull(id, "store id must not be null");
      this.storeLocation = Objects.requireNonNull(location, "store location must not be null");
      this.storeOptions = Map.copyOf(Objects.requireNonNull(options, "store options must not be null"));
      return this;
    }

    /** A store the host opened itself; the runtime closes it. */
    public Builder store(Store s) {
      this.openStore = Objects.requireNonNull(s, "store must not be null");
      return this;
    }

    /** The durability mode (over {@code deduce.durability}). */
    public Builder durability(Durability d) {
      this.durability = Objects.requireNonNull(d, "durability must not be null");
      return this;
    }

    /** Engines to serve besides those the plugin host finds. */
    public Builder engines(Collection<? extends InferenceEngine> more) {
      engines.addAll(Objects.requireNonNull(more, "engines must not be null"));
      return this;
    }

    /**
     * Starts everything in order; when a step fails, what already started is closed again before the error is thrown.
     *
     * @throws IllegalStateException naming the missing or unknown setting (store id, location, durability)
     */
    public DeduceHost start() {
      RuntimeSettings s = settings != null ? settings : RuntimeSettings.load();
      MeterRegistry meters = registry != null ? registry : new SimpleMeterRegistry();
      List<Stage> stages = new ArrayList<>();
      long t = System.nanoTime();
      PluginHost plugins = startedPlugins != null ? startedPlugins : startPlugins(s, meters);
      t = stage(stages, "plugins", t);
      Path models = modelsDir != null ? modelsDir : s.modelsDir().orElse(null);
      if (models != null) {
        plugins.engines().forEach(c -> prepareInBackground(c.extension()));
        engines.forEach(DeduceHost.Builder::prepareInBackground);
      }
      Store store = null;
      DeduceRuntime runtime = null;
      try {
        store = openStore(s, plugins);
        t = stage(stages, "store", t);
        Durability d = durability != null ? durability : s.durability();
        if (store == null && d != Durability.NONE) {
          throw new IllegalStateException("deduce.durability is " + d + " but deduce.store.id is empty; expected a"
              + " store id such as " + plugins.stores().stream().map(Contributed::id).toList()
              + ", or durability NONE");
        }
        List<InferenceEngine> all = new ArrayList<>(engines);
        plugins.engines().forEach(c -> all.add(c.extension()));
        DeduceRuntime.Builder rb = DeduceRuntime.builder().settings(s).durability(d).meterRegistry(meters)
            .engines(all);
        if (tracer != null) {
          rb.tracer(tracer);
        }
        if (store != null) {
          rb.store(store);
        }
        runtime = rb.build();
        t = stage(stages, "runtime", t);
        ModelRepository repository = models == null ? null : ModelRepository.builder(runtime, models).start();
        stage(stages, "repository", t);
        return new DeduceHost(s, plugins, store, runtime, repository, stages);
      } catch (RuntimeException e) {
        if (runtime != null) {
          runtime.close(); // closes the store too
        } else if (store != null) {
          store.close();
        }
        plugins.close();
        throw e;
      }
    }

    /** Native runtimes load while the store opens and the runtime starts, instead of inside the first deploy. */
    private static void prepareInBackground(InferenceEngine engine) {
      Thread t = new Thread(() -> {
        try {
          engine.prepare();
        } catch (RuntimeException | Error e) {
          // the first load reports it, naming the model file
          LOG.debug("engine {} failed to prepare: {}", engine.id(), e.toString());
        }
      }, "deduce-prepare-" + engine.id());
      t.setDaemon(true);
      t.start();
    }

    private PluginHost startPlugins(RuntimeSettings s, MeterRegistry meters) {
      PluginHost.Builder b = PluginHost.builder().meterRegistry(meters);
      if (extensionCreator != null) {
        b.extensionCreator(extensionCreator);
      }
      Optional<Path> dir = pluginsDir != null ? Optional.of(pluginsDir) : s.pluginsDir();
      dir.ifPresent(b::pluginsDir);
      s.plugins().unpackCache().ifPresent(b::unpackCache);
      if (!s.trustedDigests().isEmpty()) {
        b.trustedDigests(s.trustedDigests());
      }
      return b.start();
    }

    private Store openStore(RuntimeSettings s, PluginHost plugins) {
      if (openStore != null) {
        return openStore;
      }
      Optional<String> id = storeId != null ? Optional.of(storeId) : s.storeId();
      if (id.isEmpty()) {
        return null;
      }
      StoreProvider provider = plugins.store(id.get()).orElseThrow(() -> new IllegalStateException(
          "deduce.store.id is '" + id.get() + "', which no plugin or classpath provider offers; expected one of "
          + plugins.stores().stream().map(Contributed::id).toList()));
      Path location = storeLocation != null ? storeLocation : s.storeLocation().orElseThrow(() ->
          new IllegalStateException("deduce.store.location is not set; expected the database file or folder for"
              + " store '" + id.get() + "'"));
      return provider.open(new StoreConfig(location, storeOptions != null ? storeOptions : s.storeOptions()));
    }

    private static long stage(List<Stage> stages, String name, long since) {
      long now = System.nanoTime();
      stages.add(new Stage(name, Duration.ofNanos(now - since)));
      return now;
    }
  }
}
