package dev.deduce.flink.internal;

import dev.deduce.flink.HostSpec;
import dev.deduce.host.DeduceHost;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One subtask's {@link DeduceHost}: the {@link HostSpec} resolved against the job parameters and the distributed
 * cache, and, with a store, the subtask's own store file under its lock.
 */
public final class SubtaskHost implements AutoCloseable {

  // Deduce settings whose value is a file or folder, so may name a distributed cache entry
  private static final Set<String> LOCATION_KEYS = Set.of("deduce.repository.dir", "deduce.plugins.dir",
      "deduce.config-file");
  private static final String STORE_ID = "deduce.store.id";
  private static final String STORE_LOCATION = "deduce.store.location";
  private static final String DURABILITY = "deduce.durability";

  private final DeduceHost host;
  private final StoreLock lock;
  private final Path storeLocation;

  private SubtaskHost(DeduceHost host, StoreLock lock, Path storeLocation) {
    this.host = host;
    this.lock = lock;
    this.storeLocation = storeLocation;
  }

  /**
   * Starts the host of subtask {@code subtask} of the operator {@code operatorUid}.
   *
   * @param jobParameters the job's global parameters
   * @param cache         a distributed cache entry by name (Flink's {@code DistributedCache::getFile})
   * @param lockWait      how long to wait for an earlier attempt of this subtask to release its store
   */
  public static SubtaskHost start(HostSpec spec, Map<String, String> jobParameters, Function<String, File> cache,
      String operatorUid, int subtask, Duration lockWait) {
    Map<String, String> overrides = new LinkedHashMap<>();
    jobParameters.forEach((k, v) -> {
      if (k.startsWith("deduce.") && !k.startsWith("deduce.flink.")) {
        overrides.put(k, LOCATION_KEYS.contains(k) ? resolve(v, k, cache) : v);
      }
    });
    spec.settings().forEach((k, v) -> overrides.put(k, LOCATION_KEYS.contains(k) ? resolve(v, k, cache) : v));
    spec.models().ifPresent(m -> overrides.put("deduce.repository.dir", resolve(m, "models location", cache)));
    spec.plugins().ifPresent(p -> overrides.put("deduce.plugins.dir", resolve(p, "plugins location", cache)));
    spec.configFile().ifPresent(f -> overrides.put("deduce.config-file", resolve(f, "config file", cache)));
    if (overrides.containsKey(STORE_LOCATION)) {
      throw new IllegalArgumentException(STORE_LOCATION + " is '" + overrides.get(STORE_LOCATION) + "', one store"
          + " file, but every subtask needs its own; expected the folder in " + HostSpec.STORE_DIR_PARAMETER
          + " or HostSpec.store(id, dir)");
    }
    String storeId = spec.storeId().orElse(overrides.remove(STORE_ID));
    if (storeId != null && storeId.isBlank()) {
      storeId = null;
    }
    String storeDir = spec.storeDir().orElse(jobParameters.get(HostSpec.STORE_DIR_PARAMETER));
    if (storeId != null && storeDir == null) {
      throw new IllegalArgumentException("store '" + storeId + "' has no folder; expected "
          + HostSpec.STORE_DIR_PARAMETER + " or HostSpec.store(id, dir) naming where each subtask keeps its file");
    }
    if (storeId == null && storeDir != null) {
      throw new IllegalArgumentException("store folder '" + storeDir + "' is set but no store id; expected "
          + STORE_ID + " (e.g. sqlite) or HostSpec.store(id, dir)");
    }
    Durability durability = durability(spec, overrides.remove(DURABILITY), storeId != null);
    RuntimeSettings settings = RuntimeSettings.load(overrides);
    DeduceHost.Builder b = DeduceHost.builder().settings(settings).durability(durability);
    if (storeId == null) {
      return new SubtaskHost(b.start(), null, null);
    }
    Path location = storeLocation(Path.of(resolve(storeDir, "store folder", cache)), operatorUid, subtask);
    StoreLock lock = StoreLock.acquire(location, lockWait);
    try {
      Map<String, String> options = new LinkedHashMap<>(settings.storeOptions());
      options.putAll(spec.storeOptions());
      return new SubtaskHost(b.store(storeId, location, options).start(), lock, location);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** {@code <dir>/<uid>-<subtask>}: the uid keeps two operators apart, the index two subtasks. */
  public static Path storeLocation(Path dir, String operatorUid, int subtask) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the store folder " + dir + "; expected a writable folder", e);
    }
    String safe = operatorUid.replaceAll("[^A-Za-z0-9._-]", "_");
    return dir.resolve(safe + "-" + subtask);
  }

  private static Durability durability(HostSpec spec, String configured, boolean hasStore) {
    Durability d;
    if (spec.durability().isPresent()) {
      d = spec.durability().get();
    } else if (configured != null) {
      try {
        d = Durability.valueOf(configured.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(DURABILITY + " is '" + configured + "'; expected NONE or RESULTS", e);
      }
    } else {
      d = hasStore ? Durability.RESULTS : Durability.NONE;
    }
    if (d == Durability.DURABLE) {
      throw new IllegalArgumentException(HostSpec.durableRefused());
    }
    if (d != Durability.NONE && !hasStore) {
      throw new IllegalArgumentException("durability is " + d + " but no store is set; expected HostSpec.store(id,"
          + " dir) or " + STORE_ID + " with " + HostSpec.STORE_DIR_PARAMETER + ", or durability NONE");
    }
    return d;
  }

  private static String resolve(String location, String what, Function<String, File> cache) {
    if (!location.startsWith(HostSpec.CACHE_PREFIX)) {
      return location;
    }
    String name = location.substring(HostSpec.CACHE_PREFIX.length());
    File f;
    try {
      f = cache.apply(name);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(what + " is '" + location + "', but the distributed cache has no entry '"
          + name + "'; expected env.registerCachedFile(path, \"" + name + "\") in the job", e);
    }
    if (f == null || !f.exists()) {
      throw new IllegalArgumentException(what + " is '" + location + "', but the cached copy " + f
          + " does not exist on this task manager; expected a file or folder the job registered");
    }
    return f.getAbsolutePath();
  }

  /** The host. */
  public DeduceHost host() {
    return host;
  }

  /** This subtask's store file or folder, when it has a store. */
  public Optional<Path> storeLocation() {
    return Optional.ofNullable(storeLocation);
  }

  /**
   * Closes the host (in-flight requests finish, the store flushes), then releases the store. Flink interrupts a task
   * it cancels; an interrupted close would stop waiting for the store writer at once and abandon the answers it holds,
   * so replays would run again. The drain is bounded by {@code deduce.drain-timeout}, so the interrupt is set aside
   * for it and restored after.
   */
  @Override
  public void close() {
    boolean interrupted = Thread.interrupted();
    try {
      host.close();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (lock != null) {
        lock.close();
      }
    }
  }
}
