package dev.deduce.repository;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.deduce.api.ModelLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The order models are deployed in: a model after the models its configs name (its {@code fallback}, its pipeline
 * steps), because a
 * deploy checks those against what already serves; otherwise by name. A config that cannot be read adds no
 * dependency here (the scan reports it); a cycle keeps name order and the deploy reports the cycle.
 */
final class DeployOrder {

  private DeployOrder() {}

  /** {@code names}, each after the ones in {@code names} it depends on. */
  static List<String> of(Path root, SortedSet<String> names) {
    Map<String, Set<String>> deps = new TreeMap<>();
    for (String name : names) {
      deps.put(name, dependencies(root.resolve(name)));
    }
    return order(names, deps::get);
  }

  static List<String> order(SortedSet<String> names, Function<String, Set<String>> deps) {
    Set<String> done = new LinkedHashSet<>();
    for (String name : names) {
      visit(name, names, deps, done, new TreeSet<>());
    }
    return new ArrayList<>(done);
  }

  private static void visit(String name, Set<String> names, Function<String, Set<String>> deps, Set<String> done,
      Set<String> path) {
    if (done.contains(name) || !path.add(name)) {
      return; // deployed already, or a cycle: the deploy itself names it
    }
    for (String d : deps.apply(name)) {
      if (names.contains(d)) {
        visit(d, names, deps, done, path);
      }
    }
    done.add(name);
  }

  /** The models named by {@code fallback} or pipeline steps in the model's config or any version's. */
  private static Set<String> dependencies(Path modelDir) {
    Set<String> out = new TreeSet<>();
    add(modelDir.resolve(VersionConfig.FILE_NAME), out);
    try (Stream<Path> entries = Files.list(modelDir)) {
      for (Path p : entries.filter(Files::isDirectory).toList()) {
        add(p.resolve(VersionConfig.FILE_NAME), out);
      }
    } catch (IOException | UncheckedIOException e) {
      // unreadable: the scan reports the folder
    }
    return out;
  }

  private static void add(Path conf, Set<String> out) {
    try {
      Config c = VersionConfig.parse(conf);
      out.addAll(PipelineConfig.stepModels(c));
      if (c.hasPath("fallback")) {
        String f = c.getString("fallback").trim();
        if (!f.isEmpty()) {
          out.add(f);
        }
      }
    } catch (ModelLoadException | ConfigException e) {
      // malformed: the scan reports it with its file
    }
  }
}
