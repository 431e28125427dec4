package dev.deduce.repository;

import dev.deduce.api.ModelLoadException;
import dev.deduce.reference.ReferenceEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A version folder with no model.conf at either level, read as the simple layout: exactly one model file whose
 * extension names a format exactly one engine loads ({@code .onnx} is {@code onnx}, {@code .dgraph} is the reference
 * engine's format, any other extension is taken as the format id). The SLA command line takes the same folders.
 */
record SimpleLayout(String engine, String format, Path file) {

  private static final Map<String, String> ALIASES = Map.of("dgraph", ReferenceEngine.FORMAT);

  /**
   * The engine, format and file of {@code versionDir}.
   *
   * @param engines engine id to the formats it loads
   * @throws ModelLoadException when the folder holds no single file an engine loads, saying what it found
   */
  static SimpleLayout of(Path versionDir, Path own, Path modelConf, Map<String, Set<String>> engines) {
    List<Path> loadable = new ArrayList<>();
    List<String> found = new ArrayList<>();
    try (Stream<Path> list = Files.list(versionDir)) {
      for (Path p : list.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || !Files.isRegularFile(p)) {
          continue;
        }
        found.add(name);
        if (!engines(engines, format(p)).isEmpty()) {
          loadable.add(p);
        }
      }
    } catch (IOException e) {
      throw new ModelLoadException(versionDir, "cannot be listed: " + e.getMessage(), e);
    }
    Set<String> formats = new TreeSet<>();
    engines.values().forEach(formats::addAll);
    if (loadable.size() == 1) {
      Path file = loadable.get(0);
      List<String> ids = engines(engines, format(file));
      if (ids.size() == 1) {
        return new SimpleLayout(ids.get(0), format(file), file);
      }
      throw new ModelLoadException(versionDir, "has no model config, and the format '" + format(file) + "' of "
          + file.getFileName() + " is loaded by several engines " + ids + "; expected " + own + " or " + modelConf
          + " naming engine and file");
    }
    throw new ModelLoadException(versionDir, "has no model config; expected " + own + " or " + modelConf
        + " naming at least engine and file, or (the simple layout) exactly one model file whose extension names a"
        + " format the engines load " + formats + " (.dgraph for " + ReferenceEngine.FORMAT + "), found "
        + (found.isEmpty() ? "no files" : loadable.size() + " such files among " + found));
  }

  private static List<String> engines(Map<String, Set<String>> engines, String format) {
    return engines.entrySet().stream().filter(e -> e.getValue().contains(format)).map(Map.Entry::getKey).sorted()
        .toList();
  }

  private static String format(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    String ext = dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    return ALIASES.getOrDefault(ext, ext);
  }
}
