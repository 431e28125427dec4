package dev.deduce.repository;

import static dev.deduce.runtime.MetricNames.REPOSITORY_LOADS;
import static dev.deduce.runtime.MetricNames.REPOSITORY_READY;


import com.typesafe.config.Config;
import dev.deduce.api.ModelLoadException;
import dev.deduce.runtime.CodeStep;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Deployment;
import dev.deduce.runtime.ModelSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the models of a folder laid out {@code <root>/<model>/<version>/} through a {@link DeduceRuntime}, and keeps
 * them in step with the folder by polling or on {@link #reload()}.
 *
 * <p>Each version folder is named by a whole number and holds the model file(s); its {@code model.conf} (HOCON or
 * JSON), layered over an optional {@code <model>/model.conf}, names the engine, format and file and may set batching,
 * instances, deadline, warm-up inputs, signature overrides and engine options. The model-level file may set the
 * version policy: the latest N versions (default 1) or an explicit list. Unversioned requests go to the highest
 * served version.
 *
 * <p>A new or changed version is loaded and warmed up before it takes traffic; versions the policy no longer selects
 * are retired, so their in-flight requests finish before their models close. Anything that cannot be served (a bad
 * folder name, a missing or malformed config, an unknown engine, a corrupt file, a failing warm-up, a path leaving the
 * repository) is reported in {@link #problems()}, the log and the {@code deduce.repository.loads} counter and skipped:
 * at start-up the rest of the repository is served and {@link #health()} is not ready while a model has no serving
 * version; later, the versions already serving keep serving. A failed version is retried when its files change, or
 * on every explicit {@link #reload()}.
 */
public final class ModelRepository implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern VERSION_NAME = Pattern.compile("0|[1-9][0-9]{0,17}");
  /** Files up to this size are fingerprinted by content; larger ones by size and modification time. */
  private static final long HASHED_BYTES = 1 << 20;

  private final DeduceRuntime runtime;
  /** Host code pipeline steps may run, by name. */
  private final Map<String, CodeStep> code;
  private final Path root;
  private final MeterRegistry registry;
  private final ScheduledExecutorService poller;
  private final Map<String, ModelState> models = new TreeMap<>();
  private volatile Map<String, List<RepositoryProblem>> problems = Map.of();
  private volatile SortedSet<String> configured = new TreeSet<>();
  private boolean closed;

  /** A model's served versions and the fingerprints of versions that failed, so polling does not retry them. */
  private static final class ModelState {
    final Map<Long, String> served = new TreeMap<>();
    final Map<Long, Failure> failed = new HashMap<>();
  }

  private record Failure(String fingerprint, RepositoryProblem problem) {
  }

  private ModelRepository(Builder b) {
    this.runtime = b.runtime;
    this.root = b.root;
    this.registry = runtime.meterRegistry();
    this.code = Map.copyOf(b.code);
    Gauge.builder(REPOSITORY_READY, this, r -> r.health().ready() ? 1 : 0)
        .description("1 when every configured model has a serving version").register(registry);
    if (b.pollInterval.isZero()) {
      this.poller = null;
    } else {
      this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "deduce-repository-poll");
        t.setDaemon(true);
        return t;
      });
    }
  }

  /** A repository over {@code root} serving through {@code runtime}; nothing is read until {@link Builder#start()}. */
  public static Builder builder(DeduceRuntime runtime, Path root) {
    return new Builder(runtime, root);
  }

  /**
   * Reads the whole repository again: loads new and changed versions, retries failed ones, retires those the policy
   * no longer selects. The future completes once every version retired by this call has closed.
   *
   * @throws IllegalStateException when the repository is closed
   */
  public synchronized CompletableFuture<Void> reload() {
    if (closed) {
      throw new IllegalStateException("the model repository " + root + " is closed; expected reload() before close()");
    }
    return scan(true);
  }

  /**
   * Reads one model's folder again, as {@link #reload()} does for all.
   *
   * @throws ModelLoadException when {@code model} is not a model folder name, e.g. it tries to leave the repository
   */
  public synchronized CompletableFuture<Void> reload(String model) {
    if (closed) {
      throw new IllegalStateException("the model repository " + root + " is closed; expected reload() before close()");
    }
    checkName(model);
    List<CompletableFuture<Void>> retiring = new ArrayList<>();
    Map<String, List<RepositoryProblem>> found = new TreeMap<>(problems);
    found.remove(model);
    Path real = realRoot();
    if (Files.isDirectory(root.resolve(model))) {
      SortedSet<String> names = new TreeSet<>(configured);
      names.add(model);
      configured = names;
      List<RepositoryProblem> mine = new ArrayList<>();
      try {
        scanModel(model, real, true, mine, retiring);
      } catch (ModelLoadException e) {
        mine.add(report(model, e, models.containsKey(model)));
      }
      if (!mine.isEmpty()) {
        found.put(model, mine);
      }
    } else {
      SortedSet<String> names = new TreeSet<>(configured);
      names.remove(model);
      configured = names;
      removeModel(model, retiring);
    }
    problems = found;
    return all(retiring);
  }

  /** The model folders found by the last scan, served or not. */
  public SortedSet<String> models() {
    return configured;
  }

  /** What could not be served at the last scan, per model folder. */
  public List<RepositoryProblem> problems() {
    return problems.values().stream().flatMap(List::stream).toList();
  }

  /**
   * Live while the runtime is open; ready when, in addition, every model folder has a serving version and the store
   * takes writes. The reasons name each model without one, every problem of the last scan and a failing store.
   */
  public Health health() {
    List<String> reasons = new ArrayList<>();
    boolean live = !runtime.isClosed();
    boolean ready = live;
    if (!live) {
      reasons.add("the runtime is closed, and with it the store");
    }
    Optional<String> store = runtime.storeProblem();
    if (store.isPresent()) {
      ready = false;
      reasons.add(store.get());
    }
    Map<String, List<RepositoryProblem>> found = problems;
    for (String model : configured) {
      if (runtime.defaultVersion(model).isEmpty()) {
        ready = false;
        reasons.add("model '" + model + "' has no serving version");
      }
    }
    for (List<RepositoryProblem> list : found.values()) {
      list.forEach(p -> reasons.add(p.message()));
    }
    if (live) {
      reasons.addAll(runtime.notes()); // served, but not as configured (e.g. unbatched): worth saying, not unready
    }
    return new Health(live, ready, reasons);
  }

  /** Stops polling; the served versions stay with the runtime, which closes them on its own close. Idempotent. */
  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
    synchronized (this) {
      closed = true;
    }
  }

  // ------------------------------------------------------------------ scanning

  private CompletableFuture<Void> scan(boolean retry) {
    List<CompletableFuture<Void>> retiring = new ArrayList<>();
    Map<String, List<RepositoryProblem>> found = new TreeMap<>();
    Path real;
    try {
      real = realRoot();
    } catch (ModelLoadException e) {
      // the folder vanished or became unreadable: what serves keeps serving
      found.put("", List.of(new RepositoryProblem("", root, e.getMessage())));
      problems = found;
      LOG.error("model repository: {}", e.getMessage());
      return all(retiring);
    }
    SortedSet<String> names = new TreeSet<>();
    try (Stream<Path> entries = Files.list(root)) {
      for (Path p : entries.sorted().toList()) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".") && Files.isDirectory(p)) {
          names.add(name);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      found.put("", List.of(new RepositoryProblem("", root, "cannot list model repository " + root + ": " + e)));
      problems = found;
      return all(retiring);
    }
    for (String name : DeployOrder.of(root, names)) {
      List<RepositoryProblem> mine = new ArrayList<>();
      try {
        checkName(name);
        scanModel(name, real, retry, mine, retiring);
      } catch (ModelLoadException e) {
        mine.add(report(name, e, models.containsKey(name)));
      }
      if (!mine.isEmpty()) {
        found.put(name, mine);
      }
    }
    for (String gone : new ArrayList<>(models.keySet())) {
      if (!names.contains(gone)) {
        removeModel(gone, retiring);
      }
    }
    configured = names;
    problems = found;
    return all(retiring);
  }

  private void scanModel(String name, Path real, boolean retry, List<RepositoryProblem> found,
      List<CompletableFuture<Void>> retiring) {
    Path dir = root.resolve(name);
    checkInside(dir, real, "model folder");
    Path modelConfFile = dir.resolve(VersionConfig.FILE_NAME);
    Config modelConf;
    VersionPolicy policy;
    String modelConfPrint;
    try {
      modelConf = VersionConfig.parse(modelConfFile);
      policy = VersionConfig.modelLevel(modelConfFile, modelConf);
      modelConfPrint = Files.exists(modelConfFile) ? fingerprint(modelConfFile) : "";
    } catch (ModelLoadException e) {
      found.add(report(name, e, models.containsKey(name)));
      return; // a broken model-level config changes nothing that already serves
    }
    ModelState state = models.computeIfAbsent(name, n -> new ModelState());
    TreeMap<Long, Path> candidates = new TreeMap<>(Comparator.reverseOrder());
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.sorted().toList()) {
        String v = p.getFileName().toString();
        if (v.startsWith(".") || !Files.isDirectory(p)) {
          continue;
        }
        if (!VERSION_NAME.matcher(v).matches()) {
          found.add(report(name, new ModelLoadException(p, "version folder '" + v + "' is not a version number; "
              + "expected a whole number such as 1 or 42, without leading zeros"), false));
          continue;
        }
        try {
          checkInside(p, real, "version folder");
          candidates.put(Long.parseLong(v), p);
        } catch (ModelLoadException e) {
          found.add(report(name, e, false));
        }
      }
    } catch (IOException | UncheckedIOException e) {
      found.add(report(name, new ModelLoadException(dir, "cannot be listed: " + e), false));
      return;
    }
    Set<Long> ok = new TreeSet<>(Comparator.reverseOrder());
    if (policy.latest() > 0) {
      for (Map.Entry<Long, Path> c : candidates.entrySet()) {
        if (ensure(name, state, c.getKey(), c.getValue(), modelConfFile, modelConf, modelConfPrint, real, retry,
            found, retiring)) {
          ok.add(c.getKey());
          if (ok.size() == policy.latest()) {
            break;
          }
        }
      }
    } else {
      for (long v : policy.versions()) {
        Path p = candidates.get(v);
        if (p == null) {
          found.add(new RepositoryProblem(name, dir.resolve(Long.toString(v)), "version " + v + " of model '" + name
              + "' is listed in " + modelConfFile + " but " + dir.resolve(Long.toString(v)) + " does not exist;"
              + " expected that version folder"));
        } else if (ensure(name, state, v, p, modelConfFile, modelConf, modelConfPrint, real, retry, found,
            retiring)) {
          ok.add(v);
        }
      }
    }
    if (ok.isEmpty()) {
      if (candidates.isEmpty()) {
        // an emptied model folder is a deliberate removal
        found.add(new RepositoryProblem(name, dir, "model folder " + dir + " has no version folders; expected "
            + dir.resolve("1") + " or another version number"));
        removeModel(name, retiring);
        models.put(name, new ModelState());
      }
      return; // nothing new can serve: what serves keeps serving
    }
    runtime.setDefaultVersion(name, Long.toString(ok.iterator().next()));
    for (Long v : new ArrayList<>(state.served.keySet())) {
      if (!ok.contains(v)) {
        state.served.remove(v);
        retiring.add(retire(name, v));
      }
    }
  }

  /** Makes version {@code v} serve its current files if it can; true when it serves afterwards. */
  private boolean ensure(String name, ModelState state, long v, Path dir, Path modelConfFile, Config modelConf,
      String modelConfPrint, Path real, boolean retry, List<RepositoryProblem> found,
      List<CompletableFuture<Void>> retiring) {
    String print;
    try {
      print = modelConfPrint + fingerprint(dir);
    } catch (UncheckedIOException e) {
      found.add(report(name, new ModelLoadException(dir, "cannot be read: " + e.getCause()), false));
      return state.served.containsKey(v);
    }
    String servedPrint = state.served.get(v);
    if (print.equals(servedPrint)) {
      return true;
    }
    Failure failure = state.failed.get(v);
    if (failure != null && failure.fingerprint().equals(print) && !retry) {
      found.add(failure.problem());
      return servedPrint != null;
    }
    String version = Long.toString(v);
    try {
      VersionConfig cfg = VersionConfig.read(name, version, dir, modelConfFile, modelConf, runtime.engineFormats(),
          real);
      ModelSettings base = runtime.settingsFor(name);
      Deployment.Builder d = cfg.pipeline() != null
          ? Deployment.of(name, version, PipelineConfig.read(cfg.pipeline(), cfg.configFile, code).bind(runtime, name))
          : Deployment.of(name, version, cfg.source()).engine(cfg.engine);
      CompletableFuture<Void> replaced = runtime.deploy(d.signature(cfg::adapt).settings(sig -> cfg.settings(base, sig))
          .replacing(servedPrint != null).makeDefault(false).build());
      retiring.add(replaced);
      state.served.put(v, print);
      state.failed.remove(v);
      count(name, "loaded");
      LOG.info("model '{}' version {} {} from {} ({})", name, version,
          servedPrint == null ? "loaded" : "reloaded after its files changed", cfg.pipeline() != null
          ? cfg.configFile : cfg.file, cfg.pipeline() != null ? "pipeline" : "engine " + cfg.engine + ", format "
          + cfg.format);
      return true;
    } catch (RuntimeException e) {
      ModelLoadException problem = e instanceof ModelLoadException m ? m
          : new ModelLoadException(dir, "version " + version + " failed: " + e.getMessage(), e);
      RepositoryProblem p = report(name, problem, servedPrint != null);
      state.failed.put(v, new Failure(print, p));
      found.add(p);
      count(name, "failed");
      return servedPrint != null;
    }
  }

  private void removeModel(String name, List<CompletableFuture<Void>> retiring) {
    ModelState state = models.remove(name);
    if (state == null) {
      return;
    }
    for (Long v : state.served.keySet()) {
      retiring.add(retire(name, v));
    }
  }

  private CompletableFuture<Void> retire(String name, long v) {
    LOG.info("model '{}' version {} retired: it finishes its requests, then closes", name, v);
    try {
      return runtime.retire(name, Long.toString(v));
    } catch (RuntimeException e) {
      LOG.warn("model '{}' version {} was already gone from the runtime", name, v, e);
      return CompletableFuture.completedFuture(null);
    }
  }

  private RepositoryProblem report(String model, ModelLoadException e, boolean keepsServing) {
    String message = e.getMessage() + (keepsServing ? " (the versions already serving keep serving)" : "");
    LOG.error("model repository: {}", message, e.getCause());
    return new RepositoryProblem(model, e.path(), message);
  }

  private void count(String model, String outcome) {
    Counter.builder(REPOSITORY_LOADS).description("model version loads from the repository")
        .tags("model", model, "outcome", outcome).register(registry).increment();
  }

  private Path realRoot() {
    try {
      return root.toRealPath();
    } catch (IOException e) {
      throw new ModelLoadException(root, "the model repository folder cannot be read (" + e
          + "); expected a folder of models/<name>/<version>/");
    }
  }

  private void checkName(String name) {
    Objects.requireNonNull(name, "model name must not be null");
    if (name.contains("/") || name.contains("\\") || name.equals("..") || Path.of(name).isAbsolute()) {
      throw new ModelLoadException(root.resolve(name).normalize(), "model name '" + name + "' leaves the model "
          + "repository " + root + "; expected the name of a folder directly inside it");
    }
    if (!MODEL_NAME.matcher(name).matches()) {
      throw new ModelLoadException(root.resolve(name), "model name '" + name + "' is not allowed; expected letters, "
          + "digits, '.', '_' or '-', starting with a letter or digit, at most 128 characters");
    }
  }

  private static void checkInside(Path p, Path realRoot, String what) {
    try {
      Path real = p.toRealPath();
      if (!real.startsWith(realRoot)) {
        throw new ModelLoadException(p, what + " " + p + " is a link to " + real + ", outside the model repository "
            + realRoot + "; expected folders inside the repository");
      }
    } catch (IOException e) {
      throw new ModelLoadException(p, what + " cannot be resolved: " + e);
    }
  }

  /** Config files by content; other files by content up to 1 MiB, else by size and modification time. */
  private static String fingerprint(Path dir) {
    MessageDigest digest = sha256();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir, 8)) {
      files = walk.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      for (Path f : files) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        digest.update(dir.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (a.isDirectory()) {
          continue;
        }
        if (a.size() <= HASHED_BYTES) {
          try (InputStream in = Files.newInputStream(f)) {
            digest.update(in.readAllBytes());
          }
        } else {
          digest.update((a.size() + ":" + a.lastModifiedTime().toMillis())
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private static CompletableFuture<Void> all(List<CompletableFuture<Void>> futures) {
    return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]));
  }

  private void poll() {
    synchronized (this) {
      if (closed) {
        return;
      }
      try {
        scan(false);
      } catch (RuntimeException e) {
        LOG.error("polling model repository {} failed; trying again at the next interval", root, e);
      }
    }
  }

  /** Configures and starts a {@link ModelRepository}. */
  public static final class Builder {
    private final DeduceRuntime runtime;
    private final Path root;
    private Duration pollInterval;
    private final Map<String, CodeStep> code = new LinkedHashMap<>();

    private Builder(DeduceRuntime runtime, Path root) {
      this.runtime = Objects.requireNonNull(runtime, "runtime must not be null");
      this.root = Objects.requireNonNull(root, "repository folder must not be null").toAbsolutePath().normalize();
      this.pollInterval = runtime.settings().pollInterval();
    }

    /** How often the folder is checked for changes; zero checks only on {@link #reload()}. Default from settings. */
    public Builder pollInterval(Duration interval) {
      Objects.requireNonNull(interval, "poll interval must not be null");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("poll interval is " + interval + "; expected zero (no polling) or more");
      }
      this.pollInterval = interval;
      return this;
    }

    /** Registers host code that pipeline steps run by {@code name} ({@code code = <name>} in a model.conf). */
    public Builder code(String name, CodeStep step) {
      Objects.requireNonNull(name, "code step name must not be null");
      Objects.requireNonNull(step, "code step '" + name + "' must not be null");
      if (code.putIfAbsent(name, step) != null) {
        throw new IllegalArgumentException("code step '" + name + "' is registered twice; expected unique names");
      }
      return this;
    }

    /**
     * Serves every model the folder holds, reporting and skipping those that cannot be served, then starts polling.
     *
     * @throws ModelLoadException when the folder itself does not exist or is not a folder
     */
    public ModelRepository start() {
      if (!Files.isDirectory(root)) {
        throw new ModelLoadException(root, "the model repository folder does not exist or is not a folder; "
            + "expected a folder laid out <model>/<version>/model.conf");
      }
      ModelRepository repo = new ModelRepository(this);
      synchronized (repo) {
        repo.scan(false);
      }
      if (repo.poller != null) {
        long ms = Math.max(1, pollInterval.toMillis());
        repo.poller.scheduleWithFixedDelay(repo::poll, ms, ms, TimeUnit.MILLISECONDS);
      }
      LOG.info("model repository {}: models {}, {} problem(s)", repo.root, repo.configured, repo.problems().size());
      return repo;
    }
  }
}
