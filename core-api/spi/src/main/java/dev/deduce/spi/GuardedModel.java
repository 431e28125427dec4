package dev.deduce.spi;

import dev.deduce.api.EngineException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A base for engines' {@link LoadedModel}s over native sessions: runs may overlap, each is validated against the
 * signature first, and {@link #close()} frees the native side only once no run is in flight.
 */
public abstract class GuardedModel implements LoadedModel {

  private final String name;
  private final ModelSignature signature;
  private final long maxElements;
  // Read lock per run, write lock to close: native memory must not be freed under a running call.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  /** A model called {@code name} with {@code signature}, refusing runs of more than {@code maxElements}. */
  protected GuardedModel(String name, ModelSignature signature, long maxElements) {
    this.name = Objects.requireNonNull(name, "name must not be null");
    this.signature = Objects.requireNonNull(signature, "signature must not be null");
    this.maxElements = maxElements;
  }

  /** The model name, for messages. */
  protected final String name() {
    return name;
  }

  @Override
  public final ModelSignature signature() {
    return signature;
  }

  @Override
  public final NamedTensors run(NamedTensors inputs) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new EngineException("model '" + name + "' is closed; expected an open model");
      }
      signature.validate(inputs, maxElements);
      return runValidated(inputs);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public final void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        release();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Runs the model on inputs that match the signature; may be called from several threads at once. */
  protected abstract NamedTensors runValidated(NamedTensors inputs);

  /** Frees the native side; called once, with no run in flight. */
  protected abstract void release();
}
