package dev.deduce.runtime.internal.admission;

import dev.deduce.runtime.internal.pipeline.BatchRunner;
import dev.deduce.runtime.internal.pipeline.ModelQueue;
import dev.deduce.runtime.internal.pipeline.Outcomes;
import dev.deduce.runtime.internal.pipeline.Request;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Fails queued requests whose deadline passes before a batch takes them, on one timer thread. */
final class Deadlines implements AutoCloseable {

  private final ScheduledThreadPoolExecutor timer;
  private final Outcomes outcomes;

  Deadlines(Outcomes outcomes) {
    this.outcomes = outcomes;
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "deduce-deadlines");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Takes {@code r} out of {@code queue} and fails it in {@code nanos}, unless it has started or finished by then. */
  void watch(Request r, ModelQueue queue, long nanos) {
    try {
      r.deadlineTimer(timer.schedule(() -> {
        if (r.expire()) {
          queue.remove(r);
          outcomes.fail(r, BatchRunner.expired(r), 0);
        }
      }, nanos, TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException closed) {
      // closing: the batch runner still refuses expired requests when it takes them
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
