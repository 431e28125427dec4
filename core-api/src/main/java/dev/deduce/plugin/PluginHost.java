package dev.deduce.plugin;

import dev.deduce.plugin.PluginFile.Rejected;
import dev.deduce.plugin.PluginProblem.Reason;
import dev.deduce.runtime.MetricNames;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.StoreProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.pf4j.util.Unzip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads engine and store plugins from a plugins folder (PF4J jars and zips) and from the host's classpath
 * (ServiceLoader), starts them, and hands out their engines and stores. Thread-safe.
 *
 * <p>A plugin that is corrupt, untrusted, lacks its manifest, needs a newer core-api, or fails to start is disabled
 * and reported in {@link #problems()}, the log and the {@code deduce.plugins.failed} counter; the others keep
 * working. Two sources claiming one engine or store id fail start-up, naming both.
 */
public final class PluginHost implements AutoCloseable {

  /** The {@link Contributed#source()} of engines and stores found on the host's classpath. */
  public static final String CLASSPATH = "classpath";

  private static final Logger log = LoggerFactory.getLogger(PluginHost.class);

  private final Path pluginsDir;
  private final Set<String> trusted;
  private final MeterRegistry registry;
  private final ExtensionCreator creator;
  private final ClassLoader classLoader;
  private final String coreFull;
  private final String coreRelease;
  private final Path unpackCacheDir;
  private UnpackCache unpackCache;
  private boolean unpackCacheFailed;
  private Path workDir;
  private HostPluginManager manager;
  private int workSeq;

  private final Map<String, Running> running = new LinkedHashMap<>();
  private final List<Contributed<InferenceEngine>> classpathEngines = new ArrayList<>();
  private final List<Contributed<StoreProvider>> classpathStores = new ArrayList<>();
  private final List<PluginProblem> problems = new CopyOnWriteArrayList<>();
  private volatile Map<String, Contributed<InferenceEngine>> engines = Map.of();
  private volatile Map<String, Contributed<StoreProvider>> stores = Map.of();
  private boolean closed;

  /** A started plugin and what it contributed. */
  private record Running(PluginInfo info, List<Path> workFiles, List<Contributed<InferenceEngine>> engines,
      List<Contributed<StoreProvider>> stores, boolean nativeCode) {
  }

  private PluginHost(Builder builder) {
    this.pluginsDir = builder.pluginsDir;
    this.trusted = builder.trusted;
    this.registry = builder.registry;
    this.creator = builder.creator;
    this.classLoader = builder.classLoader;
    this.unpackCacheDir = builder.unpackCache;
    this.coreFull = CoreVersion.full();
    this.coreRelease = CoreVersion.release(coreFull);
  }

  /** A builder; with no plugins folder the host only scans the classpath. */
  public static Builder builder() {
    return new Builder();
  }

  /** Every engine, by id. */
  public List<Contributed<InferenceEngine>> engines() {
    return List.copyOf(engines.values());
  }

  /** Every store provider, by id. */
  public List<Contributed<StoreProvider>> stores() {
    return List.copyOf(stores.values());
  }

  /** The engine with {@code id}, if any. */
  public Optional<InferenceEngine> engine(String id) {
    return Optional.ofNullable(engines.get(id)).map(Contributed::extension);
  }

  /** The store provider with {@code id}, if any. */
  public Optional<StoreProvider> store(String id) {
    return Optional.ofNullable(stores.get(id)).map(Contributed::extension);
  }

  /** The started plugins, in load order. */
  public synchronized List<PluginInfo> plugins() {
    return running.values().stream().map(Running::info).toList();
  }

  /** Every plugin or classpath provider disabled since start, oldest first. */
  public List<PluginProblem> problems() {
    return List.copyOf(problems);
  }

  /**
   * Stops and unloads a plugin; close the stores and models it made first.
   *
   * @throws PluginHostException when the plugin is unknown or pinned (it contributes an engine or loads native code)
   */
  public synchronized void unload(String pluginId) {
    Running plugin = runningPlugin(pluginId, "unload");
    running.remove(pluginId);
    publish();
    stopAndUnload(plugin);
    log.info("Unloaded plugin {} from {}", pluginId, plugin.info().source());
  }

  /**
   * Unloads a plugin and loads its file again, checking it as at start-up.
   *
   * @throws PluginHostException when the plugin is unknown or pinned, or when the file now fails to load (it is then
   *                             no longer loaded, and the reason is in {@link #problems()})
   */
  public synchronized PluginInfo reload(String pluginId) {
    Running old = runningPlugin(pluginId, "reload");
    unload(pluginId);
    int before = problems.size();
    Optional<Running> fresh = load(old.info().source());
    if (fresh.isEmpty()) {
      String why = problems.size() > before ? problems.get(problems.size() - 1).message() : "see the log";
      throw new PluginHostException("reloading plugin '" + pluginId + "' from " + old.info().source() + " failed: "
          + why + "; it is no longer loaded");
    }
    try {
      publish();
    } catch (PluginHostException e) {
      running.remove(fresh.get().info().id());
      stopAndUnload(fresh.get());
      publish();
      throw e;
    }
    return fresh.get().info();
  }

  /**
   * Stops and unloads every plugin and deletes the host's private copies; idempotent. Native libraries that pinned
   * plugins loaded stay in the JVM, so a later host in the same JVM must not load those plugins again.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Running> reversed = new ArrayList<>(running.values());
    Collections.reverse(reversed);
    running.clear();
    engines = Map.of();
    stores = Map.of();
    for (Running plugin : reversed) {
      stopAndUnload(plugin);
    }
    if (workDir != null) {
      deleteRecursively(workDir);
    }
  }

  private void startUp() {
    discover(InferenceEngine.class, ContextEngine::new, InferenceEngine::id, classpathEngines);
    discover(StoreProvider.class, ContextStoreProvider::new, StoreProvider::id, classpathStores);
    if (pluginsDir != null) {
      for (Path file : pluginFiles()) {
        load(file);
      }
    }
    publish();
    log.info("Plugin host started: engines {}, stores {}, {} plugin(s), {} problem(s)", engines.keySet(),
        stores.keySet(), running.size(), problems.size());
  }

  private List<Path> pluginFiles() {
    if (!Files.isDirectory(pluginsDir)) {
      throw new PluginHostException("plugins folder " + pluginsDir + " does not exist or is not a folder; expected a "
          + "folder of plugin .jar or .zip files");
    }
    try (Stream<Path> files = Files.list(pluginsDir)) {
      return files.filter(Files::isRegularFile)
          .filter(f -> {
            String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
            return !name.startsWith(".") && (name.endsWith(".jar") || name.endsWith(".zip"));
          })
          .sorted(Comparator.comparing(Path::toString))
          .toList();
    } catch (IOException e) {
      throw new PluginHostException("cannot list plugins folder " + pluginsDir + ": " + e.getMessage(), e);
    }
  }

  /** Loads, starts and collects one plugin file, or reports why not. */
  private Optional<Running> load(Path source) {
    List<Path> workFiles = new ArrayList<>();
    PluginFile file;
    try {
      Path loadPath = source;
      if (trusted != null) {
        // The digest is taken of a private copy, and that copy is what loads: swapping the file afterwards
        // cannot slip untrusted code in.
        loadPath = workPath(source.getFileName().toString());
        workFiles.add(loadPath);
        Files.copy(source, loadPath);
      }
      file = PluginFile.inspect(source, loadPath, trusted, cache(), coreRelease, coreFull);
    } catch (Rejected e) {
      deleteAll(workFiles);
      report(source.toString(), e.reason, e.getMessage(), e.getCause());
      return Optional.empty();
    } catch (IOException e) {
      deleteAll(workFiles);
      report(source.toString(), Reason.CORRUPT, "cannot be read: " + e.getMessage(), e);
      return Optional.empty();
    }
    Running same = running.get(file.id());
    if (same != null) {
      deleteAll(workFiles);
      throw new PluginHostException("plugin id '" + file.id() + "' is claimed by both " + same.info().source()
          + " and " + source + "; remove one of them from the plugins folder");
    }
    Path pf4jPath = file.loadPath();
    if (file.zip()) {
      try {
        pf4jPath = unpack(file, workFiles);
      } catch (IOException e) {
        deleteAll(workFiles);
        report(source.toString(), Reason.CORRUPT, "cannot be unpacked: " + e.getMessage(), e);
        return Optional.empty();
      }
    }
    return start(file, pf4jPath, workFiles);
  }

  private Optional<Running> start(PluginFile file, Path pf4jPath, List<Path> workFiles) {
    String source = file.source().toString();
    HostPluginManager pf4j = manager();
    String id;
    try {
      id = pf4j.loadPlugin(pf4jPath);
    } catch (RuntimeException | LinkageError e) {
      discard(file.id(), false);
      deleteAll(workFiles);
      report(source, Reason.LOAD_FAILED, "PF4J cannot load it: " + describe(e), e);
      return Optional.empty();
    }
    PluginWrapper wrapper = pf4j.getPlugin(id);
    ClassLoader loader = wrapper.getPluginClassLoader();
    try {
      PluginState state = ContextLoader.call(loader, () -> pf4j.startPlugin(id));
      if (state != PluginState.STARTED) {
        throw new IllegalStateException("PF4J left it " + state + " instead of STARTED");
      }
    } catch (RuntimeException | LinkageError e) {
      discard(id, false);
      deleteAll(workFiles);
      report(source, Reason.START_FAILED, "plugin '" + id + "' failed to start: " + describe(e), e);
      return Optional.empty();
    }
    List<Contributed<InferenceEngine>> pluginEngines;
    List<Contributed<StoreProvider>> pluginStores;
    try {
      pluginEngines = contributions(pf4j, id, source, loader, InferenceEngine.class, ContextEngine::new,
          InferenceEngine::id);
      pluginStores = contributions(pf4j, id, source, loader, StoreProvider.class, ContextStoreProvider::new,
          StoreProvider::id);
    } catch (RuntimeException | LinkageError e) {
      discard(id, true);
      deleteAll(workFiles);
      report(source, Reason.EXTENSION_FAILED, "plugin '" + id + "': " + describe(e), e);
      return Optional.empty();
    }
    boolean pinned = file.nativeCode() || !pluginEngines.isEmpty();
    PluginInfo info = new PluginInfo(id, file.version(), file.source(), file.sha256(), pinned,
        pluginEngines.stream().map(Contributed::id).toList(), pluginStores.stream().map(Contributed::id).toList());
    if (pluginEngines.isEmpty() && pluginStores.isEmpty()) {
      log.warn("Plugin {} from {} contributes no engine or store; list them in META-INF/extensions.idx or "
          + "META-INF/services", id, source);
    }
    Running plugin = new Running(info, workFiles, pluginEngines, pluginStores, file.nativeCode());
    running.put(id, plugin);
    log.info("Started plugin {} {} from {}: engines {}, stores {}{}", id, file.version(), source, info.engines(),
        info.stores(), pinned ? " (pinned: never unloaded in this JVM)" : "");
    return Optional.of(plugin);
  }

  private <T> List<Contributed<T>> contributions(HostPluginManager pf4j, String pluginId, String source,
      ClassLoader loader, Class<T> type, BiFunction<T, ClassLoader, T> wrap, Function<T, String> idOf) {
    List<T> found = ContextLoader.call(loader, () -> pf4j.getExtensions(type, pluginId));
    List<Contributed<T>> result = new ArrayList<>();
    for (T extension : found) {
      T wrapped = wrap.apply(extension, loader);
      result.add(new Contributed<>(checkedId(idOf.apply(wrapped), extension, type), wrapped,
          Optional.of(pluginId), source));
    }
    return result;
  }

  private static String checkedId(String id, Object extension, Class<?> type) {
    if (id == null || id.isBlank()) {
      throw new IllegalStateException(extension.getClass().getName() + " returned a blank " + type.getSimpleName()
          + " id; expected a short stable id such as 'onnx'");
    }
    return id;
  }

  private <T> void discover(Class<T> type, BiFunction<T, ClassLoader, T> wrap, Function<T, String> idOf,
      List<Contributed<T>> into) {
    Iterator<T> providers = ServiceLoader.load(type, classLoader).iterator();
    // ServiceLoader moves past a provider that failed; the bound only guards against one that never does.
    for (int guard = 0; guard < 10_000; guard++) {
      T provider;
      try {
        if (!providers.hasNext()) {
          return;
        }
        provider = providers.next();
      } catch (ServiceConfigurationError e) {
        report(CLASSPATH, Reason.CLASSPATH_FAILED, "a provider of " + type.getSimpleName() + " listed in META-INF/services "
            + "cannot be loaded: " + describe(e), e);
        continue;
      }
      T wrapped = wrap.apply(provider, provider.getClass().getClassLoader());
      try {
        into.add(new Contributed<>(checkedId(idOf.apply(wrapped), provider, type), wrapped, Optional.empty(),
            CLASSPATH));
      } catch (RuntimeException | LinkageError e) {
        report(CLASSPATH, Reason.CLASSPATH_FAILED, provider.getClass().getName() + ": " + describe(e), e);
      }
    }
  }

  /** Rebuilds the id maps, failing on an id claimed twice. */
  private void publish() {
    List<Contributed<InferenceEngine>> allEngines = new ArrayList<>(classpathEngines);
    List<Contributed<StoreProvider>> allStores = new ArrayList<>(classpathStores);
    for (Running plugin : running.values()) {
      allEngines.addAll(plugin.engines());
      allStores.addAll(plugin.stores());
    }
    Map<String, Contributed<InferenceEngine>> newEngines = byId("engine", allEngines);
    Map<String, Contributed<StoreProvider>> newStores = byId("store", allStores);
    engines = newEngines;
    stores = newStores;
  }

  private static <T> Map<String, Contributed<T>> byId(String kind, List<Contributed<T>> all) {
    Map<String, Contributed<T>> result = new TreeMap<>();
    for (Contributed<T> c : all) {
      Contributed<T> other = result.putIfAbsent(c.id(), c);
      if (other != null) {
        throw new PluginHostException(kind + " id '" + c.id() + "' is claimed by both " + other.source() + " and "
            + c.source() + "; remove one of them from the plugins folder or the classpath");
      }
    }
    return Collections.unmodifiableMap(result);
  }

  private Running runningPlugin(String pluginId, String action) {
    if (closed) {
      throw new PluginHostException("the plugin host is closed; cannot " + action + " plugin '" + pluginId + "'");
    }
    Running plugin = running.get(pluginId);
    if (plugin == null) {
      throw new PluginHostException("no plugin '" + pluginId + "' is loaded; loaded plugins are "
          + running.keySet());
    }
    if (plugin.info().pinned()) {
      String why = plugin.nativeCode() ? "its manifest declares Plugin-Native: true"
          : "it contributes inference engines " + plugin.info().engines() + ", which load native code";
      throw new PluginHostException("refusing to " + action + " plugin '" + pluginId + "': " + why + ". Native "
          + "libraries cannot be unloaded from a running JVM, and loading them again in a new class loader fails "
          + "(\"already loaded in another classloader\") or crashes the JVM. Restart the JVM to replace it; swap "
          + "model versions inside the loaded plugin instead");
    }
    return plugin;
  }

  private void stopAndUnload(Running plugin) {
    discard(plugin.info().id(), true);
    deleteAll(plugin.workFiles());
  }

  /** Stops (when started) and unloads a plugin, closing its class loader; never throws. */
  private void discard(String pluginId, boolean started) {
    HostPluginManager pf4j = manager;
    PluginWrapper wrapper = pf4j == null ? null : pf4j.getPlugin(pluginId);
    if (wrapper == null) {
      return;
    }
    if (started && wrapper.getPluginState() == PluginState.STARTED) {
      try {
        ContextLoader.call(wrapper.getPluginClassLoader(), () -> pf4j.stopPlugin(pluginId));
      } catch (RuntimeException | LinkageError e) {
        log.warn("Plugin {} threw while stopping; unloading it anyway", pluginId, e);
      }
    }
    // DISABLED keeps PF4J from calling stop() on a plugin that never started or already failed to stop.
    wrapper.setPluginState(PluginState.DISABLED);
    try {
      pf4j.unloadPlugin(pluginId);
    } catch (RuntimeException e) {
      log.warn("PF4J could not unload plugin {} cleanly", pluginId, e);
    }
  }

  private HostPluginManager manager() {
    if (manager == null) {
      manager = new HostPluginManager(workDir(), new CreatorExtensionFactory(creator), coreRelease);
    }
    return manager;
  }

  private Path workDir() {
    if (workDir == null) {
      try {
        workDir = Files.createTempDirectory("deduce-plugins-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a work folder for plugin copies", e);
      }
    }
    return workDir;
  }

  /** The unpack cache (which also remembers digests), opened on first use; null when it cannot be used. */
  private UnpackCache cache() {
    if (unpackCache == null && !unpackCacheFailed) {
      try {
        unpackCache = UnpackCache.open(unpackCacheDir);
      } catch (IOException e) {
        unpackCacheFailed = true;
        log.warn("Plugin unpack cache {} cannot be used ({}); zips are hashed and unpacked afresh at every start",
            unpackCacheDir, e.getMessage());
      }
    }
    return unpackCache;
  }

  /** Unpacks a zip plugin once per content into the cache; without a usable cache, into this host's work folder. */
  private Path unpack(PluginFile file, List<Path> workFiles) throws IOException {
    UnpackCache cache = cache();
    if (cache != null) {
      return cache.unpacked(file.loadPath(), file.id(), file.sha256());
    }
    String name = file.source().getFileName().toString();
    Path fresh = workPath(name.substring(0, name.length() - ".zip".length()));
    workFiles.add(fresh);
    new Unzip(file.loadPath().toFile(), fresh.toFile()).extract();
    return fresh;
  }

  private Path workPath(String name) {
    return workDir().resolve((++workSeq) + "-" + name);
  }

  private void report(String source, Reason reason, String message, Throwable cause) {
    problems.add(new PluginProblem(source, reason, message));
    Counter.builder(MetricNames.PLUGINS_FAILED)
        .description("Plugins and classpath providers the host disabled")
        .tag("reason", reason.tag())
        .register(registry)
        .increment();
    if (cause == null) {
      log.error("Disabled plugin {} ({}): {}", source, reason.tag(), message);
    } else {
      log.error("Disabled plugin {} ({}): {}", source, reason.tag(), message, cause);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && (cause.getMessage() == null || !message.contains(cause.getMessage()))) {
      message += " (caused by " + cause + ")";
    }
    return message;
  }

  private static void deleteAll(List<Path> paths) {
    for (Path path : paths) {
      deleteRecursively(path);
    }
  }

  private static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("Could not delete {}; it is left behind", path, e);
    }
  }

  /** Configures and starts a {@link PluginHost}. */
  public static final class Builder {
    private Path pluginsDir;
    private Set<String> trusted;
    private MeterRegistry registry = Metrics.globalRegistry;
    private ExtensionCreator creator = ExtensionCreator.noArgConstructor();
    private ClassLoader classLoader = PluginHost.class.getClassLoader();
    private Path unpackCache = UnpackCache.defaultDir();

    private Builder() {
    }

    /**
     * Where zip plugins are unpacked, once per zip content (keyed by its SHA-256), for every later start to reuse;
     * default {@code deduce-plugin-cache-<user>} in the temporary folder. It must be writable by this user only.
     * Without {@link #trustedDigests} it also remembers each plugin file's digest by size, modification time and
     * file key, so an unchanged plugins folder is not read whole at every start.
     */
    public Builder unpackCache(Path dir) {
      this.unpackCache = Objects.requireNonNull(dir, "unpack cache folder must not be null");
      return this;
    }

    /** The folder of plugin {@code .jar} and {@code .zip} files; without one only the classpath is scanned. */
    public Builder pluginsDir(Path dir) {
      this.pluginsDir = Objects.requireNonNull(dir, "plugins folder must not be null");
      return this;
    }

    /**
     * Trusts only plugin files with these SHA-256 digests (hex); any other file is refused before its code loads.
     *
     * @throws IllegalArgumentException naming an entry that is not 64 hex characters
     */
    public Builder trustedDigests(Collection<String> sha256Hex) {
      Set<String> digests = new HashSet<>();
      for (String digest : Objects.requireNonNull(sha256Hex, "trusted digests must not be null")) {
        String d = digest == null ? "" : digest.trim().toLowerCase(Locale.ROOT);
        if (!d.matches("[0-9a-f]{64}")) {
          throw new IllegalArgumentException("trusted digest '" + digest + "' is not a SHA-256 digest; expected 64 "
              + "hex characters");
        }
        digests.add(d);
      }
      this.trusted = Set.copyOf(digests);
      return this;
    }

    /** Where {@code deduce.plugins.failed} is counted; the global registry by default. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "meter registry must not be null");
      return this;
    }

    /** How plugin engines and stores are instantiated; their public no-argument constructor by default. */
    public Builder extensionCreator(ExtensionCreator creator) {
      this.creator = Objects.requireNonNull(creator, "extension creator must not be null");
      return this;
    }

    /** The class loader whose classpath is scanned with ServiceLoader; core-api's loader by default. */
    public Builder classLoader(ClassLoader loader) {
      this.classLoader = Objects.requireNonNull(loader, "class loader must not be null");
      return this;
    }

    /**
     * Discovers, checks and starts the plugins.
     *
     * @throws PluginHostException when the plugins folder is missing, or two sources claim one plugin, engine or
     *                             store id
     */
    public PluginHost start() {
      PluginHost host = new PluginHost(this);
      synchronized (host) {
        try {
          host.startUp();
        } catch (RuntimeException | Error e) {
          host.close();
          throw e;
        }
      }
      return host;
    }
  }
}
