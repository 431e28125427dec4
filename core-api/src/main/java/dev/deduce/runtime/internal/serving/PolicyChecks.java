package dev.deduce.runtime.internal.serving;

import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.TensorSpec;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Deploy-time checks of the serving policies a version's settings ask for, against the runtime it joins: each
 * failure is an {@link IllegalArgumentException} naming the model, the version, the setting and what would be valid.
 */
public final class PolicyChecks {

  private PolicyChecks() {}

  /**
   * Checks {@code settings} of {@code model} at {@code version}, served with {@code signature}.
   *
   * @param stored whether the runtime stores results (durability RESULTS or DURABLE)
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void check(String model, String version, ModelSettings settings, ModelSignature signature,
      boolean stored, ModelRegistry models) {
    String who = "model '" + model + "' version '" + version + "'";
    if (settings.cache().enabled() && !stored) {
      throw new IllegalArgumentException(who + " sets cache.enabled = true, but this runtime stores nothing"
          + " (durability NONE): the cache answers from stored results; expected durability RESULTS or DURABLE"
          + " with a store, or cache.enabled = false");
    }
    if (settings.fallback().isPresent()) {
      fallback(who, model, settings, signature, models);
    }
  }

  private static void fallback(String who, String model, ModelSettings settings, ModelSignature signature,
      ModelRegistry models) {
    String to = settings.fallback().orElseThrow();
    Optional<String> toVersion = settings.fallbackVersion();
    if (to.equals(model)) {
      throw new IllegalArgumentException(who + " sets fallback = " + to + ", which is itself; expected another"
          + " model (e.g. a smaller one) to answer when this one cannot");
    }
    ServingVersion target;
    try {
      target = models.find(to, toVersion.orElse(null));
    } catch (ModelNotFoundException e) {
      throw new IllegalArgumentException(who + " sets fallback = " + to + toVersion.map(v -> " version " + v)
          .orElse("") + ", which is not deployed (" + e.getMessage() + "); expected the fallback deployed first"
          + " (the model repository deploys fallbacks before the models naming them, so of a fallback cycle one"
          + " model finds the other undeployed)", e);
    }
    List<String> chain = new ArrayList<>(List.of(model, to));
    for (ServingVersion at = target; at != null && at.settings().fallback().isPresent(); ) {
      String next = at.settings().fallback().get();
      boolean cycle = chain.contains(next);
      chain.add(next);
      if (cycle) {
        throw new IllegalArgumentException(who + " sets fallback = " + to + ", which makes the fallback chain "
            + String.join(" -> ", chain) + " a cycle; expected a chain ending in a model without a fallback");
      }
      at = deployed(models, next, at.settings().fallbackVersion().orElse(null));
    }
    String mismatch = mismatch(signature, target.signature());
    if (mismatch != null) {
      throw new IllegalArgumentException(who + " cannot fall back to model '" + to + "' version '"
          + target.version() + "': " + mismatch + "; expected a fallback that takes every input this model takes"
          + " and gives every output it gives, with the same dtypes");
    }
  }

  private static ServingVersion deployed(ModelRegistry models, String model, String version) {
    try {
      return models.find(model, version);
    } catch (ModelNotFoundException e) {
      return null; // a chain into a model retired since: no further link to follow
    }
  }

  /** Why {@code fallback} cannot stand in for {@code primary}, or null when it can. */
  static String mismatch(ModelSignature primary, ModelSignature fallback) {
    for (TensorSpec f : fallback.inputs()) {
      if (primary.input(f.name()).isEmpty()) {
        return "it needs input '" + f.name() + "', which this model does not take";
      }
    }
    for (TensorSpec p : primary.inputs()) {
      Optional<TensorSpec> f = fallback.input(p.name());
      if (f.isEmpty()) {
        return "it has no input '" + p.name() + "'";
      }
      String bad = differs("input", p, f.get(), true);
      if (bad != null) {
        return bad;
      }
    }
    for (TensorSpec p : primary.outputs()) {
      Optional<TensorSpec> f = fallback.output(p.name());
      if (f.isEmpty()) {
        return "it has no output '" + p.name() + "'";
      }
      String bad = differs("output", p, f.get(), false);
      if (bad != null) {
        return bad;
      }
    }
    return null;
  }

  /**
   * Whether {@code f} differs from {@code p} in dtype or rank, or, for an input, fixes a dimension {@code p} leaves
   * free or fixes it to another size (it would refuse inputs the primary takes); for an output, fixes it to another.
   */
  private static String differs(String what, TensorSpec p, TensorSpec f, boolean input) {
    if (p.dtype() != f.dtype()) {
      return what + " '" + p.name() + "' is " + f.dtype() + " there and " + p.dtype() + " here";
    }
    long[] ps = p.shape();
    long[] fs = f.shape();
    if (ps.length != fs.length) {
      return what + " '" + p.name() + "' has shape " + Arrays.toString(fs) + " there and " + Arrays.toString(ps)
          + " here";
    }
    for (int i = 0; i < ps.length; i++) {
      boolean clash = input ? fs[i] >= 0 && fs[i] != ps[i] : fs[i] >= 0 && ps[i] >= 0 && fs[i] != ps[i];
      if (clash) {
        return what + " '" + p.name() + "' has shape " + Arrays.toString(fs) + " there and " + Arrays.toString(ps)
            + " here";
      }
    }
    return null;
  }
}
