package dev.deduce.spi;

import dev.deduce.api.EngineException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A base for engines' {@link LoadedModel}s over native sessions: runs may overlap, {@link #run} validates against the
 * signature first, and {@link #close()} frees the native side only once no run is in flight.
 *
 * <p>Validate once: a caller using the model directly gets {@link #run}, which rejects bad input clearly; the runtime
 * validates every request on admission (against the setting {@code max-elements} too) and then calls
 * {@link #runAdmitted}, which skips the second, redundant check of the batch.
 */
public abstract class GuardedModel implements LoadedModel {

  private final String name;
  private final ModelSignature signature;
  // Read lock per run, write lock to close: native memory must not be freed under a running call.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  /** A model called {@code name} with {@code signature}. */
  protected GuardedModel(String name, ModelSignature signature) {
    this.name = Objects.requireNonNull(name, "name must not be null");
    this.signature = Objects.requireNonNull(signature, "signature must not be null");
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
    return guarded(inputs, true);
  }

  @Override
  public final NamedTensors runAdmitted(NamedTensors inputs) {
    return guarded(inputs, false);
  }

  private NamedTensors guarded(NamedTensors inputs, boolean validate) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new EngineException("model '" + name + "' is closed; expected an open model");
      }
      if (validate) {
        signature.validate(inputs);
      }
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
