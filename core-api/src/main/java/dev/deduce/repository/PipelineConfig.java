package dev.deduce.repository;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import dev.deduce.api.ModelLoadException;
import dev.deduce.runtime.CodeStep;
import dev.deduce.runtime.Pipeline;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code pipeline { steps = [...], outputs { ... } }} section of a model.conf, read into a {@link Pipeline}. Every
 * error is a {@link ModelLoadException} naming the file, the step and what was expected.
 */
final class PipelineConfig {

  private static final Set<String> STEP_KEYS = Set.of("name", "model", "version", "code", "inputs");

  private PipelineConfig() {}

  /** The pipeline {@code section} of {@code file} declares, its code steps found in {@code code}. */
  static Pipeline read(Config section, Path file, Map<String, CodeStep> code) {
    try {
      for (String k : section.root().keySet()) {
        if (!k.equals("steps") && !k.equals("outputs")) {
          throw new ModelLoadException(file, "unknown key pipeline." + k + "; expected pipeline.steps and"
              + " pipeline.outputs");
        }
      }
      if (!section.hasPath("steps") || section.getValue("steps").valueType() != ConfigValueType.LIST) {
        throw new ModelLoadException(file, "pipeline has no steps list; expected pipeline.steps = [ { name = ...,"
            + " model = ... (or code = ...), inputs { <input> = input.<name> or <step>.<output> } }, ... ]");
      }
      Pipeline.Builder b = Pipeline.builder();
      List<? extends Config> steps = section.getConfigList("steps");
      for (int i = 0; i < steps.size(); i++) {
        step(b, steps.get(i), i, file, code);
      }
      if (section.hasPath("outputs")) {
        strings(section.getConfig("outputs"), "pipeline.outputs", file).forEach(b::output);
      }
      return b.build();
    } catch (ConfigException e) {
      throw new ModelLoadException(file, "bad pipeline: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(file, e.getMessage());
    }
  }

  private static void step(Pipeline.Builder b, Config s, int i, Path file, Map<String, CodeStep> code) {
    String where = "pipeline.steps[" + i + "]";
    for (String k : s.root().keySet()) {
      if (!STEP_KEYS.contains(k)) {
        throw new ModelLoadException(file, "unknown key " + k + " in " + where + "; expected one of "
            + new TreeSet<>(STEP_KEYS));
      }
    }
    if (!s.hasPath("name")) {
      throw new ModelLoadException(file, where + " has no name; expected name = <step name>");
    }
    String name = s.getString("name");
    Map<String, String> inputs = s.hasPath("inputs") ? strings(s.getConfig("inputs"), where + ".inputs", file)
        : Map.of();
    if (s.hasPath("code")) {
      if (s.hasPath("model") || s.hasPath("version")) {
        throw new ModelLoadException(file, "step '" + name + "' sets code and model; expected one of them");
      }
      String codeName = s.getString("code");
      CodeStep c = code.get(codeName);
      if (c == null) {
        throw new ModelLoadException(file, "step '" + name + "' runs code '" + codeName + "', which the host did"
            + " not register; expected one of " + new TreeSet<>(code.keySet()) + " (ModelRepository.builder(...)"
            + ".code(name, step))");
      }
      b.code(name, codeName, c, inputs);
    } else if (s.hasPath("model")) {
      String version = s.hasPath("version") ? s.getString("version").trim() : "";
      b.model(name, s.getString("model"), version.isEmpty() ? null : version, inputs);
    } else {
      throw new ModelLoadException(file, "step '" + name + "' names neither model nor code; expected model = <a"
          + " served model> or code = <code the host registered>");
    }
  }

  /** The string values of {@code c}'s top-level keys, which are quoted as written (dots are not paths). */
  private static Map<String, String> strings(Config c, String where, Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    c.root().forEach((k, v) -> {
      if (v.valueType() != ConfigValueType.STRING) {
        throw new ModelLoadException(file, where + "." + k + " is " + v.valueType().name().toLowerCase()
            + "; expected a source such as input.x or embed.y");
      }
      out.put(k, (String) v.unwrapped());
    });
    return out;
  }

  /** The models the pipeline section of {@code c} names as steps, for the deploy order. */
  static Set<String> stepModels(Config c) {
    Set<String> out = new TreeSet<>();
    if (c.hasPath("pipeline.steps") && c.getValue("pipeline.steps").valueType() == ConfigValueType.LIST) {
      for (Config s : c.getConfigList("pipeline.steps")) {
        if (s.hasPath("model")) {
          out.add(s.getString("model").trim());
        }
      }
    }
    return out;
  }
}
