package dev.deduce.runtime.internal.graph;

import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.TensorSpec;
import dev.deduce.runtime.Pipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link Pipeline} checked against the signatures of what the runtime serves: every step's model deployed, every
 * input of every step mapped from a pipeline input or an earlier step's output of the same dtype, every output
 * mapped from a step output. The pipeline's signature follows: an input per {@code input.<name>} read, shaped as the
 * first step reading it takes it; an output per mapping, shaped as its step gives it. Unbatched: each request goes
 * through alone and its model steps batch in their own queues.
 */
record PipelinePlan(List<Bound> steps, Map<String, Source> outputs, ModelSignature signature) {

  /** Where a tensor comes from: a pipeline input ({@code step} null) or a step's output. */
  record Source(String step, String name) {}

  /** A step with its signature, its inputs' sources and the steps it waits for. */
  record Bound(Pipeline.Step step, ModelSignature signature, Map<String, Source> inputs, Set<String> after) {}

  static PipelinePlan resolve(String name, Pipeline pipeline, InferenceService runtime) {
    String p = "pipeline '" + name + "' ";
    Map<String, Bound> bound = new LinkedHashMap<>();
    Map<String, TensorSpec> inputs = new LinkedHashMap<>();
    for (Pipeline.Step s : pipeline.steps()) {
      String who = p + s.describe();
      ModelSignature sig = s.code() != null ? s.code().signature() : served(name, s, runtime, who);
      for (TensorSpec in : sig.inputs()) {
        if (!s.inputs().containsKey(in.name())) {
          throw new IllegalArgumentException(who + " leaves its input '" + in.name() + "' unmapped; expected inputs"
              + " { " + in.name() + " = input.<name> or <earlier step>.<output> }");
        }
      }
      Map<String, Source> sources = new LinkedHashMap<>();
      Set<String> after = new LinkedHashSet<>();
      for (Map.Entry<String, String> m : s.inputs().entrySet()) {
        Optional<TensorSpec> in = sig.input(m.getKey());
        if (in.isEmpty()) {
          throw new IllegalArgumentException(who + " maps '" + m.getKey() + "', which it does not take; expected"
              + " its inputs " + sig.inputs().stream().map(TensorSpec::name).toList());
        }
        Source src = source(who + " input '" + m.getKey() + "'", m.getValue(), bound);
        if (src.step() == null) {
          TensorSpec first = inputs.putIfAbsent(src.name(), renamed(in.get(), src.name()));
          if (first != null && first.dtype() != in.get().dtype()) {
            throw new IllegalArgumentException(who + " reads pipeline input '" + src.name() + "' as "
                + in.get().dtype() + ", but an earlier step reads it as " + first.dtype() + "; expected one dtype");
          }
        } else {
          TensorSpec out = output(bound.get(src.step()), src.name(), who + " input '" + m.getKey() + "'");
          if (out.dtype() != in.get().dtype()) {
            throw new IllegalArgumentException(who + " input '" + m.getKey() + "' is " + in.get().dtype()
                + ", but it reads '" + m.getValue() + "', which is " + out.dtype() + "; expected the same dtype");
          }
          after.add(src.step());
        }
        sources.put(m.getKey(), src);
      }
      bound.put(s.name(), new Bound(s, sig, sources, after));
    }
    Map<String, Source> outputs = new LinkedHashMap<>();
    List<TensorSpec> outSpecs = new ArrayList<>();
    for (Map.Entry<String, String> o : pipeline.outputs().entrySet()) {
      String who = p + "output '" + o.getKey() + "'";
      Source src = source(who, o.getValue(), bound);
      if (src.step() == null) {
        throw new IllegalArgumentException(who + " reads '" + o.getValue() + "'; expected <step>.<output>, not a"
            + " pipeline input");
      }
      outSpecs.add(renamed(output(bound.get(src.step()), src.name(), who), o.getKey()));
      outputs.put(o.getKey(), src);
    }
    return new PipelinePlan(List.copyOf(bound.values()), outputs,
        new ModelSignature(List.copyOf(inputs.values()), outSpecs, false));
  }

  private static ModelSignature served(String pipeline, Pipeline.Step s, InferenceService runtime, String who) {
    String model = s.model().orElseThrow();
    if (model.equals(pipeline)) {
      throw new IllegalArgumentException(who + " serves the pipeline itself; expected another model");
    }
    try {
      return runtime.signature(model, s.version().orElse(null));
    } catch (ModelNotFoundException e) {
      throw new IllegalArgumentException(who + " is not deployed (" + e.getMessage() + "); expected its model"
          + " deployed before the pipeline (the model repository deploys step models first)", e);
    }
  }

  /** {@code text} as a source: {@code input.<name>} or {@code <step declared before>.<output>}. */
  private static Source source(String who, String text, Map<String, Bound> before) {
    int dot = text.indexOf('.');
    if (dot <= 0 || dot == text.length() - 1) {
      throw new IllegalArgumentException(who + " reads '" + text + "'; expected " + Pipeline.INPUT
          + ".<name> or <earlier step>.<output>");
    }
    String head = text.substring(0, dot);
    String tail = text.substring(dot + 1);
    if (head.equals(Pipeline.INPUT)) {
      return new Source(null, tail);
    }
    if (!before.containsKey(head)) {
      throw new IllegalArgumentException(who + " reads '" + text + "', but no step '" + head + "' is declared"
          + " before it; expected " + Pipeline.INPUT + ".<name> or one of the earlier steps " + before.keySet()
          + " (a step reads only steps declared before it, so the steps form a DAG)");
    }
    return new Source(head, tail);
  }

  private static TensorSpec output(Bound from, String name, String who) {
    return from.signature().output(name).orElseThrow(() -> new IllegalArgumentException(who + " reads output '"
        + name + "' of step '" + from.step().name() + "', which has none; expected one of "
        + from.signature().outputs().stream().map(TensorSpec::name).toList()));
  }

  private static TensorSpec renamed(TensorSpec s, String name) {
    return new TensorSpec(name, s.dtype(), s.shape(), s.dimNames());
  }
}
