package dev.deduce.runtime.internal.pipeline;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a batch's requests off the worker's thread, so the instance starts its next run at once. Waking the
 * callers of a batch is most of what a worker does besides running the engine (engine-onnx README). One daemon thread
 * per version, finishing batches in the order they ran; {@link #stop()} returns once every batch handed over is done.
 * At most {@link #AHEAD} batches wait for it: a worker that gets further ahead waits, so a finisher held up (by a
 * store that is slow to take results) holds the engine back as a worker finishing its own batches would.
 */
final class Finisher {

  private static final Logger LOG = LoggerFactory.getLogger(Finisher.class);
  private static final Runnable STOP = () -> { };
  private static final int AHEAD = 2;

  private final BlockingQueue<Runnable> batches = new ArrayBlockingQueue<>(AHEAD);
  private final Thread thread;

  Finisher(String name) {
    this.thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs {@code finish} on the finisher's thread, after the batches handed over before it. */
  void execute(Runnable finish) {
    putUninterruptibly(finish);
  }

  /** Finishes what was handed over, then ends the thread; called once no worker can hand over more. */
  void stop() {
    putUninterruptibly(STOP);
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** A batch handed over is never dropped: its callers would wait for it forever. */
  private void putUninterruptibly(Runnable task) {
    boolean interrupted = false;
    while (true) {
      try {
        batches.put(task);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    while (true) {
      Runnable next;
      try {
        next = batches.take();
      } catch (InterruptedException e) {
        continue; // nothing stops it but STOP: the batches behind it have callers waiting
      }
      if (next == STOP) {
        return;
      }
      try {
        next.run();
      } catch (RuntimeException | Error e) {
        LOG.error("finishing a batch on {} failed", thread.getName(), e);
      }
    }
  }
}
