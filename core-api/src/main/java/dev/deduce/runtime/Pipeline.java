package dev.deduce.runtime;

import dev.deduce.api.Names;
import dev.deduce.runtime.internal.graph.PipelineModel;
import dev.deduce.spi.LoadedModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A small DAG of steps served under its own name like any model: each step is a served model (at a version, or its
 * default) or host {@link CodeStep}, whose inputs are mapped from the pipeline's inputs ({@code input.<name>}) or from
 * an earlier step's outputs ({@code <step>.<output>}). Steps run as soon as the steps they read from are done, each
 * through its model's own queue, batching, metrics and span; the pipeline's outputs map from step outputs.
 *
 * <p>Deploy it with {@code runtime.deploy(name, version, pipeline.bind(runtime, name), settings)} after its step
 * models, or declare it in a model.conf ({@code pipeline { ... }}). Under DURABLE each model step runs under an
 * idempotency key derived from the pipeline request's id, so its result is stored as it completes, and a pipeline
 * recovered after a crash resumes at the unfinished step.
 */
public final class Pipeline {

  /** The prefix of a mapping that reads a pipeline input: {@code input.<name>}. */
  public static final String INPUT = "input";

  /**
   * One step.
   *
   * @param name    unique in the pipeline, not {@value #INPUT}
   * @param model   the served model it runs, or empty for a code step
   * @param version the model's version; empty = its default version
   * @param code    the host code it runs, or null for a model step
   * @param codeName the name the code was registered under, for messages
   * @param inputs  the step's input name to its source: {@code input.<name>} or {@code <earlier step>.<output>}
   */
  public record Step(String name, Optional<String> model, Optional<String> version, CodeStep code, String codeName,
      Map<String, String> inputs) {
    /** Checks the name and that it is one kind of step. */
    public Step {
      String problem = Names.modelNameProblem(name);
      if (problem != null || name.equals(INPUT) || name.contains(".")) {
        throw new IllegalArgumentException("pipeline step name " + (name == null ? "null" : "'" + name + "'")
            + " is not valid; expected " + (problem != null ? problem.replace("model name", "a name")
            : "a name other than '" + INPUT + "' without '.'"));
      }
      if (model.isPresent() == (code != null)) {
        throw new IllegalArgumentException("pipeline step '" + name + "' names " + (code == null ? "neither a model"
            + " nor code" : "both a model and code") + "; expected exactly one of them");
      }
      inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** "step 'embed' (model 'doubler')", for messages. */
    public String describe() {
      return "step '" + name + "' (" + model.map(m -> "model '" + m + "'" + version.map(v -> " version '" + v + "'")
          .orElse("")).orElse("code '" + codeName + "'") + ")";
    }
  }

  private final List<Step> steps;
  private final Map<String, String> outputs;

  private Pipeline(List<Step> steps, Map<String, String> outputs) {
    this.steps = List.copyOf(steps);
    this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The steps, in the order they were declared (every step reads only from steps declared before it). */
  public List<Step> steps() {
    return steps;
  }

  /** The pipeline's output name to its source, {@code <step>.<output>}. */
  public Map<String, String> outputs() {
    return outputs;
  }

  /**
   * This pipeline as the model {@code name} served by {@code runtime}: the step models must be deployed, and every
   * mapping must name an existing input or output of a matching dtype.
   *
   * @throws IllegalArgumentException naming the step and mapping at fault
   */
  public LoadedModel bind(DeduceRuntime runtime, String name) {
    Objects.requireNonNull(runtime, "runtime must not be null");
    Objects.requireNonNull(name, "pipeline name must not be null");
    return PipelineModel.bind(name, this, runtime, runtime.meterRegistry());
  }

  /** Builds a {@link Pipeline}; steps are checked as they are added, the whole when bound. */
  public static final class Builder {
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, String> outputs = new LinkedHashMap<>();

    private Builder() {}

    /** A step running {@code model} at {@code version} (null = its default) with {@code inputs} mapped. */
    public Builder model(String step, String model, String version, Map<String, String> inputs) {
      Objects.requireNonNull(model, "model of step '" + step + "' must not be null");
      return add(new Step(step, Optional.of(model), Optional.ofNullable(version), null, null, inputs));
    }

    /** A step running host code, registered as {@code codeName}, with {@code inputs} mapped. */
    public Builder code(String step, String codeName, CodeStep code, Map<String, String> inputs) {
      Objects.requireNonNull(code, "code of step '" + step + "' must not be null");
      return add(new Step(step, Optional.empty(), Optional.empty(), code, codeName, inputs));
    }

    /** Pipeline output {@code name} is {@code source}, {@code <step>.<output>}. */
    public Builder output(String name, String source) {
      Objects.requireNonNull(name, "output name must not be null");
      Objects.requireNonNull(source, "source of output '" + name + "' must not be null");
      if (outputs.put(name, source) != null) {
        throw new IllegalArgumentException("pipeline output '" + name + "' is mapped twice; expected each once");
      }
      return this;
    }

    /** The pipeline. */
    public Pipeline build() {
      if (steps.isEmpty() || outputs.isEmpty()) {
        throw new IllegalArgumentException("a pipeline has " + steps.size() + " step(s) and " + outputs.size()
            + " output(s); expected at least one of each");
      }
      return new Pipeline(steps, outputs);
    }

    private Builder add(Step s) {
      if (steps.stream().anyMatch(t -> t.name().equals(s.name()))) {
        throw new IllegalArgumentException("pipeline step '" + s.name() + "' is declared twice; expected unique"
            + " step names");
      }
      steps.add(s);
      return this;
    }
  }
}
