package dev.deduce.runtime.internal.serving;

import dev.deduce.api.EngineException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.runtime.Deployment;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.internal.pipeline.BatchPlan;
import dev.deduce.runtime.internal.pipeline.InvarianceCheck;
import dev.deduce.runtime.internal.pipeline.Padding;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded, warmed-up instances of one deployment and the settings they serve with: the one place that loads
 * models, so every way of deploying loads, adapts, warms up and cleans up the same way.
 */
public final class Instances {

  private static final Logger LOG = LoggerFactory.getLogger(Instances.class);

  private final List<LoadedModel> models;
  private final ModelSettings settings;
  private final BatchPlan checks;

  private Instances(List<LoadedModel> models, ModelSettings settings, BatchPlan checks) {
    this.models = List.copyOf(models);
    this.settings = settings;
    this.checks = checks;
  }

  /**
   * Loads {@code d} (one copy per instance unless the engine's models are thread-safe, or the host loaded it), serves
   * the signature the deployment derives, and runs the warm-up inputs on every distinct copy.
   *
   * @throws dev.deduce.api.ModelLoadException when no engine loads it or loading fails; nothing stays open
   * @throws EngineException when a warm-up input fails; nothing stays open
   */
  public static Instances load(Deployment d, EngineRegistry engines) {
    InferenceEngine engine = d.source().map(s -> engines.engineFor(s, d.engineId().orElse(null))).orElse(null);
    List<LoadedModel> loaded = new ArrayList<>();
    try {
      LoadedModel first = engine == null ? d.loaded().orElseThrow() : engine.load(d.source().orElseThrow());
      loaded.add(first);
      ModelSignature served = d.signature(first.signature());
      ModelSettings settings = d.settings(served);
      boolean share = engine == null || engine.threadSafeModels();
      for (int i = 1; i < settings.instances(); i++) {
        loaded.add(share ? first : engine.load(d.source().orElseThrow()));
      }
      List<LoadedModel> serving = served.equals(first.signature()) ? loaded : adapt(loaded, served);
      warmUp(d, serving, settings);
      return new Instances(serving, settings, plan(d, serving.get(0), served, settings));
    } catch (RuntimeException e) {
      closeAll(loaded);
      throw e;
    }
  }

  /** One model per instance (the same object for thread-safe models). */
  public List<LoadedModel> models() {
    return models;
  }

  public ModelSettings settings() {
    return settings;
  }

  /** What the checks at deploy found: whether to batch, and an input known to run. */
  public BatchPlan checks() {
    return checks;
  }

  /** Closes every distinct model; for a deployment that will not be served after all. */
  public void close() {
    closeAll(models);
  }

  private static List<LoadedModel> adapt(List<LoadedModel> loaded, ModelSignature served) {
    Map<LoadedModel, LoadedModel> seen = new IdentityHashMap<>();
    List<LoadedModel> out = new ArrayList<>();
    for (LoadedModel m : loaded) {
      out.add(seen.computeIfAbsent(m, x -> new SignatureOverride(x, served)));
    }
    return out;
  }

  private static void warmUp(Deployment d, List<LoadedModel> models, ModelSettings s) {
    ModelSignature sig = models.get(0).signature();
    List<NamedTensors> inputs = s.warmUp();
    for (int i = 0; i < inputs.size(); i++) {
      try {
        sig.validate(inputs.get(i), s.maxElements());
        for (LoadedModel m : distinct(models)) {
          m.run(inputs.get(i));
        }
      } catch (RuntimeException e) {
        throw new EngineException("warm-up input " + i + " of model '" + d.model() + "' version '" + d.version()
            + "' failed: " + e.getMessage() + "; expected every warm-up input to run, so the version was not"
            + " deployed", e);
      }
    }
  }

  /**
   * Whether the version batches, with what padding, and its probe input: batching on and a batchable signature, then
   * the invariance check (unless turned off) decides; a mismatch serves it unbatched, or fails the deploy when
   * {@code batching.require-invariance} is set.
   */
  private static BatchPlan plan(Deployment d, LoadedModel model, ModelSignature served, ModelSettings s) {
    String who = "model '" + d.model() + "' version '" + d.version() + "'";
    Padding padding;
    try {
      padding = Padding.of(served, s.pad());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(who + ": " + e.getMessage(), e);
    }
    NamedTensors probe = s.warmUp().isEmpty() ? null : s.warmUp().get(0);
    boolean batchable = s.batchingEnabled() && served.batched() && s.maxBatchSize() > 1;
    if (!batchable || !s.checkInvariance()) {
      return new BatchPlan(batchable, "", batchable ? padding : null, probe);
    }
    InvarianceCheck.Outcome o = InvarianceCheck.run(who, model, padding, s.warmUp(),
        s.batching().invarianceTolerance());
    probe = probe != null ? probe : o.probe();
    if (!o.checked()) {
      LOG.info("{}: batch invariance not checked: {}", who, o.detail());
    } else if (!o.invariant()) {
      if (s.requireInvariance()) {
        throw new EngineException(who + " answers differently in a batch than alone: " + o.detail() + "; expected"
            + " the same answers, as batching.require-invariance = true demands, so the version was not deployed");
      }
      String note = who + " is served unbatched: it answers differently in a batch than alone (" + o.detail()
          + "); set batching.enabled = false to silence this, or fix the model";
      LOG.warn(note);
      return new BatchPlan(false, note, null, probe);
    }
    return new BatchPlan(true, "", padding, probe);
  }

  private static Set<LoadedModel> distinct(List<LoadedModel> models) {
    Set<LoadedModel> out = Collections.newSetFromMap(new IdentityHashMap<>());
    out.addAll(models);
    return out;
  }

  private static void closeAll(List<LoadedModel> models) {
    for (LoadedModel m : distinct(models)) {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("closing a model that was not deployed failed", e);
      }
    }
  }
}
