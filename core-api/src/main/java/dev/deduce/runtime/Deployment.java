package dev.deduce.runtime;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.Names;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What {@link DeduceRuntime#deploy(Deployment)} serves: a model version, either already loaded or loaded from a
 * source by an engine, with its settings. Hosts, the model repository included, all deploy through this one type.
 */
public final class Deployment {

  private final String model;
  private final String version;
  private final LoadedModel loaded;
  private final ModelSource source;
  private final String engineId;
  private final UnaryOperator<ModelSignature> signature;
  private final Function<ModelSignature, ModelSettings> settings;
  private final boolean replace;
  private final boolean makeDefault;

  private Deployment(Builder b) {
    this.model = b.model;
    this.version = b.version;
    this.loaded = b.loaded;
    this.source = b.source;
    this.engineId = b.engineId;
    this.signature = b.signature;
    this.settings = b.settings;
    this.replace = b.replace;
    this.makeDefault = b.makeDefault;
  }

  /** A deployment of {@code loaded}, which the runtime owns from then on (it closes it on retire or failure). */
  public static Builder of(String model, String version, LoadedModel loaded) {
    return new Builder(model, version, null, Objects.requireNonNull(loaded, "loaded model must not be null"));
  }

  /** A deployment of {@code source}, loaded by the engine for its format, or the one {@link Builder#engine} names. */
  public static Builder of(String model, String version, ModelSource source) {
    return new Builder(model, version, Objects.requireNonNull(source, "model source must not be null"), null);
  }

  public String model() {
    return model;
  }

  public String version() {
    return version;
  }

  /** The model to serve as is, when it was loaded by the host. */
  public Optional<LoadedModel> loaded() {
    return Optional.ofNullable(loaded);
  }

  /** The source to load, when the runtime loads it. */
  public Optional<ModelSource> source() {
    return Optional.ofNullable(source);
  }

  /** The engine that must load the source; empty = the one engine that loads its format. */
  public Optional<String> engineId() {
    return Optional.ofNullable(engineId);
  }

  /** The signature to serve, given the one the engine reports. */
  public ModelSignature signature(ModelSignature reported) {
    return Objects.requireNonNull(signature.apply(reported), "signature override returned null");
  }

  /** The settings to serve with, given the signature that will be served (warm-up inputs may depend on it). */
  public ModelSettings settings(ModelSignature served) {
    return Objects.requireNonNull(settings.apply(served), "settings function returned null");
  }

  /** Whether a deployed version of the same name is swapped out atomically (else that is an error). */
  public boolean replace() {
    return replace;
  }

  /** Whether the version serves unversioned requests at once; otherwise only if the model has no default yet. */
  public boolean makeDefault() {
    return makeDefault;
  }

  /** Builds a {@link Deployment}; defaults: the engine's signature, {@link ModelSettings#defaults()}, no replace, default. */
  public static final class Builder {
    private final String model;
    private final String version;
    private final ModelSource source;
    private final LoadedModel loaded;
    private String engineId;
    private UnaryOperator<ModelSignature> signature = UnaryOperator.identity();
    private Function<ModelSignature, ModelSettings> settings = s -> ModelSettings.defaults();
    private boolean replace;
    private boolean makeDefault = true;

    private Builder(String model, String version, ModelSource source, LoadedModel loaded) {
      Objects.requireNonNull(model, "model name must not be null");
      Objects.requireNonNull(version, "version must not be null");
      String problem = Names.modelNameProblem(model);
      if (problem == null) {
        problem = Names.versionProblem(version);
      }
      if (problem != null) {
        throw new IllegalArgumentException("cannot deploy: " + problem);
      }
      this.model = model;
      this.version = version;
      this.source = source;
      this.loaded = loaded;
    }

    /** Loads the source with the engine of this id, which must take its format. */
    public Builder engine(String id) {
      if (source == null) {
        throw new IllegalStateException("engine '" + id + "' given for an already loaded model; expected a source");
      }
      this.engineId = Objects.requireNonNull(id, "engine id must not be null");
      return this;
    }

    /** Serves a signature derived from the engine's, e.g. narrower shapes a model config declares. */
    public Builder signature(UnaryOperator<ModelSignature> override) {
      this.signature = Objects.requireNonNull(override, "signature override must not be null");
      return this;
    }

    /** Serves with these settings. */
    public Builder settings(ModelSettings s) {
      Objects.requireNonNull(s, "settings must not be null");
      this.settings = sig -> s;
      return this;
    }

    /** Serves with settings chosen once the served signature is known. */
    public Builder settings(Function<ModelSignature, ModelSettings> settingsFor) {
      this.settings = Objects.requireNonNull(settingsFor, "settings function must not be null");
      return this;
    }

    /** Swaps out a deployed version of the same name instead of refusing. */
    public Builder replacing(boolean replace) {
      this.replace = replace;
      return this;
    }

    /** Whether the version becomes the default at once (true) or only when the model has none (false). */
    public Builder makeDefault(boolean makeDefault) {
      this.makeDefault = makeDefault;
      return this;
    }

    public Deployment build() {
      return new Deployment(this);
    }
  }
}
