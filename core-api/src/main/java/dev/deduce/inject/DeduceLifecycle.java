package dev.deduce.inject;

import com.google.inject.Inject;
import com.google.inject.Injector;
import dev.deduce.plugin.PluginHost;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Health;
import dev.deduce.runtime.ModelRepository;
import dev.deduce.runtime.RuntimeSettings;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@link DeduceModule}'s host with the injector (plugin host, runtime, and the model repository when one is
 * configured), reports its health, and closes it all in order.
 */
public final class DeduceLifecycle implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeduceLifecycle.class);

  private final PluginHost host;
  private final DeduceRuntime runtime;
  private final ModelRepository repository;
  private volatile boolean closed;

  @Inject
  DeduceLifecycle(PluginHost host, DeduceRuntime runtime, RuntimeSettings settings, Injector injector) {
    this.host = host;
    this.runtime = runtime;
    ModelRepository repo = null;
    if (settings.modelsDir().isPresent()) {
      try {
        repo = injector.getInstance(ModelRepository.class);
      } catch (RuntimeException e) {
        runtime.close();
        host.close();
        throw e;
      }
    }
    this.repository = repo;
  }

  /** The repository's health when one is configured; otherwise live and ready while the runtime is open. */
  public Health health() {
    if (repository != null) {
      return repository.health();
    }
    boolean live = !closed;
    return new Health(live, live, live ? List.of() : List.of("the runtime is closed, and with it the store"));
  }

  /**
   * Stops repository polling, drains the runtime (in-flight requests finish, models close, the store flushes and
   * closes), then stops the plugins. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (repository != null) {
      repository.close();
    }
    try {
      runtime.close();
    } finally {
      host.close();
      LOG.info("Deduce host closed");
    }
  }
}
