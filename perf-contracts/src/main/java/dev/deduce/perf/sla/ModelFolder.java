package dev.deduce.perf.sla;

import dev.deduce.reference.ReferenceEngine;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The models folder in its simple layout, a convenience for a quick run without writing a model.conf, {@code <models>/<name>/<version>/<file>}: the format comes from the file's
 * extension ({@code .dgraph} is the reference engine's {@code deduce-graph}; any other extension names its format,
 * e.g. {@code .onnx}), and an unnamed version is the highest (numerically when every version is a number).
 */
final class ModelFolder {

  /** The model repository's config file name (core-api's MODEL-REPOSITORY.md). */
  static final String CONFIG = "model.conf";

  private static final Map<String, String> ALIASES = Map.of("dgraph", ReferenceEngine.FORMAT);

  private final Path root;

  ModelFolder(Path root) {
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("models folder " + root + " does not exist; expected a folder laid out as"
          + " <models>/<name>/<version>/<model file>");
    }
    this.root = root;
  }

  /**
   * Whether {@code root} is a model repository rather than the simple layout: a model.conf in some model folder or
   * version folder.
   */
  static boolean isRepository(Path root) {
    try (Stream<Path> walk = Files.walk(root, 3)) {
      return walk.anyMatch(p -> p.getFileName().toString().equals(CONFIG)
          && root.relativize(p).getNameCount() >= 2 && Files.isRegularFile(p));
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // the simple layout's own checks then say what is wrong with the folder
    }
  }

  /** The source for {@code model} at {@code version} (empty: the highest), loadable by one of {@code formats}. */
  ModelSource source(String model, Optional<String> version, Set<String> formats) {
    Path modelDir = root.resolve(model);
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("models folder " + root + " has no model '" + model + "'; expected a folder "
          + modelDir + ", found models " + children(root));
    }
    List<String> versions = children(modelDir);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("model folder " + modelDir + " has no version folder; expected e.g. "
          + modelDir.resolve("1"));
    }
    String v = version.orElseGet(() -> highest(versions));
    Path versionDir = modelDir.resolve(v);
    if (!versions.contains(v)) {
      throw new IllegalArgumentException("model '" + model + "' has no version '" + v + "'; expected one of "
          + versions);
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(versionDir)) {
      files = list.filter(p -> !p.getFileName().toString().startsWith(".") && Files.isRegularFile(p))
          .filter(p -> formats.contains(format(p))).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + versionDir + ": " + e.getMessage(), e);
    }
    if (files.size() != 1) {
      throw new IllegalArgumentException("version folder " + versionDir + " holds " + files.size() + " model files"
          + " that the engines load " + files + "; expected exactly one, with an extension naming a format the"
          + " engines load: " + new TreeSet<>(formats) + " (.dgraph for " + ReferenceEngine.FORMAT + ")");
    }
    Path file = files.get(0);
    return ModelSource.of(model, v, file, format(file));
  }

  static String format(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    String ext = dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    return ALIASES.getOrDefault(ext, ext);
  }

  private static String highest(List<String> versions) {
    if (versions.stream().allMatch(s -> s.matches("\\d{1,18}"))) {
      return versions.stream().max(Comparator.comparingLong(Long::parseLong)).orElseThrow();
    }
    return versions.stream().max(Comparator.naturalOrder()).orElseThrow();
  }

  private static List<String> children(Path dir) {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }
}
