package dev.deduce.perf.tune.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import dev.deduce.perf.tune.TuneResult.Setting;
import dev.deduce.runtime.ModelSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A private model repository holding one version of the model under tuning, so each candidate is served exactly as a
 * host would serve it: through a model.conf that is the version's own with the candidate's keys over it (what pasting
 * the fragment at its end does). The model's files are hard-linked where the file system allows, else copied, once;
 * the user's repository is only read.
 */
final class Scratch implements AutoCloseable {

  static final String CONF = "model.conf";

  private final Path root;
  private final Path versionConf;
  private final Config own;
  private final Config merged;
  final String model;
  final String version;
  final boolean copied;

  private Scratch(Path root, String model, String version, Config own, Config merged, boolean copied) {
    this.root = root;
    this.model = model;
    this.version = version;
    this.versionConf = root.resolve(model).resolve(version).resolve(CONF);
    this.own = own;
    this.merged = merged;
    this.copied = copied;
  }

  /**
   * Makes the scratch repository for {@code model} at {@code version} of the repository {@code models}.
   *
   * @throws IllegalArgumentException when the model or version folder is missing or its model.conf is malformed
   */
  static Scratch create(Path models, String model, String version) {
    Path modelDir = models.resolve(model);
    Path versionDir = modelDir.resolve(version);
    if (!Files.isDirectory(versionDir)) {
      throw new IllegalArgumentException("the model repository " + models + " has no folder " + versionDir
          + "; expected " + models + "/<model>/<version>/ with a model.conf naming engine and file");
    }
    Config modelLevel = parse(modelDir.resolve(CONF));
    Config own = parse(versionDir.resolve(CONF));
    Config merged = own.withFallback(modelLevel.withoutPath("version-policy"));
    if (!merged.hasPath("engine") || !merged.hasPath("file")) {
      throw new IllegalArgumentException("model " + model + " version " + version + " has no model.conf naming"
          + " engine and file (looked in " + versionDir.resolve(CONF) + " and " + modelDir.resolve(CONF)
          + "); expected e.g. engine = onnx, file = model.onnx");
    }
    Path root = null;
    try {
      root = Files.createTempDirectory("deduce-tune-");
      Path scratchModel = Files.createDirectories(root.resolve(model));
      boolean copied = false;
      try (Stream<Path> files = Files.list(modelDir)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (!f.getFileName().toString().equals(CONF)) {
            copied |= link(f, scratchModel.resolve(f.getFileName().toString()));
          }
        }
      }
      copied |= linkTree(versionDir, scratchModel.resolve(version));
      if (Files.exists(modelDir.resolve(CONF))) {
        Files.writeString(scratchModel.resolve(CONF), render(modelLevel.withoutPath("version-policy")));
      }
      Scratch s = new Scratch(root, model, version, own, merged, copied);
      s.write(Optional.empty());
      return s;
    } catch (IOException | UncheckedIOException e) {
      delete(root);
      throw new IllegalStateException("cannot set up a scratch model repository for " + versionDir + ": " + e, e);
    }
  }

  private static Config parse(Path file) {
    if (!Files.exists(file)) {
      return ConfigFactory.empty();
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
          .setSyntax(ConfigSyntax.CONF)).resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException("malformed model config " + file + ": " + e.getMessage()
          + "; expected HOCON or JSON", e);
    }
  }

  private static String render(Config c) {
    return c.root().render(ConfigRenderOptions.concise().setFormatted(true)) + "\n";
  }

  // true when it had to copy
  private static boolean link(Path from, Path to) throws IOException {
    try {
      Files.createLink(to, from.toRealPath());
      return false;
    } catch (FileSystemException | UnsupportedOperationException e) {
      Files.copy(from, to);
      return true;
    }
  }

  private static boolean linkTree(Path from, Path to) throws IOException {
    boolean copied = false;
    List<Path> all;
    try (Stream<Path> walk = Files.walk(from)) {
      all = walk.toList();
    }
    for (Path p : all) {
      Path rel = from.relativize(p);
      Path target = to.resolve(rel.toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(target);
      } else if (!rel.toString().equals(CONF)) {
        copied |= link(p, target);
      }
    }
    return copied;
  }

  /** The scratch repository's folder. */
  Path root() {
    return root;
  }

  /** Serves {@code s} next, or the version's own configuration when empty: rewrites the version's model.conf. */
  void write(Optional<Setting> s) throws IOException {
    Config c = s.map(x -> ConfigFactory.parseString(x.fragment(), ConfigParseOptions.defaults()
        .setOriginDescription("tuner candidate")).withFallback(own)).orElse(own);
    Files.writeString(versionConf, render(c));
  }

  /** The engine id the model.conf names. */
  String engine() {
    return merged.getString("engine");
  }

  /** The setting the version's configuration amounts to, with {@code base} (the runtime's) for keys it leaves out. */
  Setting configured(ModelSettings base) {
    boolean enabled = merged.hasPath("batching.enabled") ? merged.getBoolean("batching.enabled")
        : base.batchingEnabled();
    boolean batched = !merged.hasPath("signature.batched") || merged.getBoolean("signature.batched");
    int size = merged.hasPath("batching.max-size") ? merged.getInt("batching.max-size") : base.maxBatchSize();
    Duration delay = merged.hasPath("batching.max-queue-delay") ? merged.getDuration("batching.max-queue-delay")
        : base.maxQueueDelay();
    List<Integer> preferred = merged.hasPath("batching.preferred-sizes")
        ? merged.getIntList("batching.preferred-sizes") : new ArrayList<>(base.preferredBatchSizes());
    int instances = merged.hasPath("instances") ? merged.getInt("instances") : base.instances();
    return new Setting(enabled && batched ? size : 1, delay, preferred.stream().sorted().toList(), instances, 0);
  }

  @Override
  public void close() {
    delete(root);
  }

  private static void delete(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // a scratch folder left in the temporary folder is harmless; the run's result matters more
    }
  }
}
