package dev.deduce.runtime.internal.serving;

import dev.deduce.api.ModelNotFoundException;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import dev.deduce.runtime.internal.pipeline.BatchRunner;
import dev.deduce.runtime.internal.pipeline.ModelQueue;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The deployed models: each one's queue, its versions in deployment order and the version serving unversioned
 * requests, and routing a request to a version.
 */
public final class ModelRegistry {

  private final Map<String, Entry> models = new ConcurrentHashMap<>();
  private final RuntimeMetrics metrics;
  private final BatchRunner runner;
  private final BooleanSupplier closing;

  /** A registry whose versions run batches with {@code runner} and flush at once while {@code closing} holds. */
  public ModelRegistry(RuntimeMetrics metrics, BatchRunner runner, BooleanSupplier closing) {
    this.metrics = metrics;
    this.runner = runner;
    this.closing = closing;
  }

  /** One model; its monitor guards {@code versions} and changes of {@code serving}. */
  private static final class Entry {
    final String name;
    final ModelQueue queue;
    final LinkedHashMap<String, ServingVersion> versions = new LinkedHashMap<>();
    volatile ServingVersion serving;

    Entry(String name, ModelQueue queue) {
      this.name = name;
      this.queue = queue;
    }
  }

  /** What {@link #install} did: the new version, and the retirement of the one it replaced. */
  public record Installed(ServingVersion version, CompletableFuture<Void> replaced) {}

  /**
   * Starts serving {@code instances} as {@code model} at {@code version}; with {@code replace} a deployed version of
   * that name is swapped out atomically and retired, otherwise that is an error.
   *
   * @throws IllegalStateException when the version is deployed and {@code replace} is false
   */
  public Installed install(String model, String version, Instances instances, boolean replace, boolean makeDefault) {
    Entry e = models.computeIfAbsent(model, name -> {
      Entry created = new Entry(name, new ModelQueue(name, instances.settings()));
      metrics.queueDepth(name, created.queue, q -> ((ModelQueue) q).depth());
      return created;
    });
    ServingVersion v;
    ServingVersion old;
    synchronized (e) {
      old = e.versions.get(version);
      if (old != null && !replace) {
        throw new IllegalStateException("model '" + model + "' version '" + version + "' is already deployed;"
            + " expected a new version, or retire this one first");
      }
      v = new ServingVersion(model, version, instances.models(), instances.settings(), instances.checks(), e.queue,
          metrics, closing);
      v.start(runner);
      e.queue.configure(instances.settings());
      e.versions.put(version, v);
      if (makeDefault || e.serving == null || e.serving == old) {
        e.serving = v; // one volatile write: unversioned requests switch atomically
      }
    }
    // requests already routed to the replaced version finish on it; new ones find v in the map
    return new Installed(v, old == null ? CompletableFuture.completedFuture(null) : old.retire());
  }

  /**
   * Routes to {@code version} (null = the default) and counts the request against it; the caller must end the
   * request through {@link dev.deduce.runtime.internal.pipeline.Request}, which releases it.
   *
   * @throws ModelNotFoundException naming what is deployed
   */
  public ServingVersion acquire(String model, String version) {
    Entry e = entry(model);
    while (true) {
      ServingVersion v = version == null ? e.serving : versionOf(e, version);
      if (v == null) {
        throw notFound(e, version);
      }
      if (v.acquire()) {
        return v;
      }
      Thread.onSpinWait(); // it was retired after we read it; the map or default already moved on
    }
  }

  /** The queue of a deployed model. */
  public ModelQueue queue(String model) {
    return entry(model).queue;
  }

  /** The version for {@code version} (null = the default), without routing a request to it. */
  public ServingVersion find(String model, String version) {
    Entry e = entry(model);
    ServingVersion v = version == null ? e.serving : versionOf(e, version);
    if (v == null) {
      throw notFound(e, version);
    }
    return v;
  }

  public void setDefault(String model, String version) {
    Entry e = entry(model);
    synchronized (e) {
      ServingVersion v = e.versions.get(version);
      if (v == null) {
        throw notFound(e, version);
      }
      e.serving = v;
    }
  }

  public Optional<String> defaultVersion(String model) {
    Entry e = models.get(model);
    ServingVersion v = e == null ? null : e.serving;
    return Optional.ofNullable(v).map(ServingVersion::version);
  }

  /** The deployed models' names, sorted. */
  public List<String> names() {
    return List.copyOf(new TreeSet<>(models.keySet()));
  }

  public List<String> versions(String model) {
    Entry e = models.get(model);
    if (e == null) {
      return List.of();
    }
    synchronized (e) {
      return List.copyOf(e.versions.keySet());
    }
  }

  /** Stops routing to {@code version}; the most recently deployed remaining version becomes the default if need be. */
  public CompletableFuture<Void> retire(String model, String version) {
    Entry e = entry(model);
    ServingVersion v;
    synchronized (e) {
      v = e.versions.remove(version);
      if (v == null) {
        throw notFound(e, version);
      }
      if (e.serving == v) {
        ServingVersion next = null;
        for (ServingVersion s : e.versions.values()) {
          next = s;
        }
        e.serving = next;
      }
    }
    return v.retire();
  }

  /** Retires every version of every model; for shutdown. */
  public List<CompletableFuture<Void>> retireAll() {
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (Entry e : models.values()) {
      synchronized (e) {
        for (ServingVersion v : e.versions.values()) {
          out.add(v.retire());
        }
        e.versions.clear();
        e.serving = null;
      }
    }
    return out;
  }

  private static ServingVersion versionOf(Entry e, String version) {
    synchronized (e) {
      return e.versions.get(version);
    }
  }

  private Entry entry(String model) {
    Entry e = models.get(model);
    if (e == null) {
      throw new ModelNotFoundException("model '" + model + "' is not deployed; expected one of "
          + new TreeSet<>(models.keySet()));
    }
    return e;
  }

  private static ModelNotFoundException notFound(Entry e, String version) {
    List<String> deployed;
    synchronized (e) {
      deployed = List.copyOf(e.versions.keySet());
    }
    if (version == null) {
      return new ModelNotFoundException("model '" + e.name + "' has no serving version; expected a deployed"
          + " version, deployed are " + deployed);
    }
    return new ModelNotFoundException("model '" + e.name + "' has no version '" + version + "'; expected one of "
        + deployed);
  }
}
