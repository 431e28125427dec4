package dev.deduce.runtime.internal.serving;

import dev.deduce.api.ModelLoadException;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.ModelSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The engines a runtime was built with, by id and by the formats they load. */
public final class EngineRegistry {

  private final Map<String, InferenceEngine> byId = new TreeMap<>();
  private final Map<String, List<InferenceEngine>> byFormat = new HashMap<>();

  /**
   * Registers {@code engines}; the same instance twice counts once.
   *
   * @throws IllegalArgumentException when two engines share an id
   */
  public EngineRegistry(Collection<? extends InferenceEngine> engines) {
    for (InferenceEngine e : engines) {
      InferenceEngine prev = byId.putIfAbsent(e.id(), e);
      if (prev == e) {
        continue;
      }
      if (prev != null) {
        throw new IllegalArgumentException("two engines have the id '" + e.id() + "' (" + prev.getClass().getName()
            + " and " + e.getClass().getName() + "); expected unique engine ids");
      }
      for (String format : e.formats()) {
        byFormat.computeIfAbsent(format, f -> new ArrayList<>()).add(e);
      }
    }
  }

  /** Engine id to the formats it loads. */
  public Map<String, Set<String>> formats() {
    Map<String, Set<String>> out = new TreeMap<>();
    byId.forEach((id, e) -> out.put(id, new TreeSet<>(e.formats())));
    return out;
  }

  /**
   * The engine that loads {@code source}: the one named {@code engineId}, or else the only one taking its format.
   *
   * @throws ModelLoadException naming the file when there is none, or several and no id picks one
   */
  InferenceEngine engineFor(ModelSource source, String engineId) {
    if (engineId != null) {
      InferenceEngine engine = byId.get(engineId);
      if (engine == null || !engine.formats().contains(source.format())) {
        throw new ModelLoadException(source.path(), "no engine '" + engineId + "' loads format '" + source.format()
            + "'; expected one of " + formats());
      }
      return engine;
    }
    List<InferenceEngine> candidates = byFormat.getOrDefault(source.format(), List.of());
    if (candidates.isEmpty()) {
      throw new ModelLoadException(source.path(), "no engine loads format '" + source.format()
          + "'; expected one of " + byFormat.keySet());
    }
    if (candidates.size() > 1) {
      throw new ModelLoadException(source.path(), "format '" + source.format() + "' is loaded by several engines "
          + candidates.stream().map(InferenceEngine::id).toList() + "; expected a model repository config naming"
          + " the engine id");
    }
    return candidates.get(0);
  }
}
