package dev.deduce.inject;

import com.google.inject.Inject;
import dev.deduce.host.DeduceHost;
import dev.deduce.repository.Health;

/** Starts a {@link DeduceModule}'s {@link DeduceHost} with the injector, reports its health, and closes it in order. */
public final class DeduceLifecycle implements AutoCloseable {

  private final DeduceHost host;

  @Inject
  DeduceLifecycle(DeduceHost host) {
    this.host = host;
  }

  /** The repository's health when one is configured; otherwise live and ready while the runtime is open. */
  public Health health() {
    return host.health();
  }

  /** Closes the host: repository, runtime (which drains and closes the store), then the plugins. Idempotent. */
  @Override
  public void close() {
    host.close();
  }
}
