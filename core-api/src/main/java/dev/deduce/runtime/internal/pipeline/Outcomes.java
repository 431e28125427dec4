package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.StoreException;
import dev.deduce.runtime.internal.durability.GroupCommitWriter;
import dev.deduce.spi.ResultRecord;
import java.time.Duration;
import java.time.Instant;

/** Finishes accepted requests: outcome to the metrics, result record to the store, then result or error to the caller. */
public final class Outcomes {

  private final GroupCommitWriter writer; // null when nothing is stored

  public Outcomes(GroupCommitWriter writer) {
    this.writer = writer;
  }

  /** Timings of the batch a request ran in. */
  record Run(long startNanos, long computeNanos, int attempts, int requests) {}

  void succeed(Request r, NamedTensors outputs, Run run) {
    long now = System.nanoTime();
    ServingVersion v = r.version;
    long queueNanos = Math.max(0, run.startNanos() - r.submittedNanos);
    long totalNanos = now - r.submittedNanos;
    InferenceResult result = new InferenceResult(r.record.requestId(), v.model(), v.version(), outputs,
        Duration.ofNanos(queueNanos), Duration.ofNanos(run.computeNanos()), Duration.ofNanos(totalNanos),
        run.attempts(), run.requests());
    v.meters().request.record(Duration.ofNanos(totalNanos));
    v.meters().queue.record(Duration.ofNanos(queueNanos));
    if (writer != null) {
      StoreException unsaved = writer.complete(ResultRecord.done(r.record, v.version(), outputs, Instant.now(),
          run.attempts()), r.appended(), r.deadlineNanos);
      if (unsaved != null) {
        // a result that will not be stored is never reported as a success
        v.meters().outcome(unsaved.kind().name());
        r.finish(unsaved, null);
        return;
      }
    }
    v.meters().outcome("done");
    r.finish(null, result);
  }

  /** Fails an accepted request after {@code attempts} engine runs (0 when it never ran). */
  public void fail(Request r, DeduceException e, int attempts) {
    ServingVersion v = r.version;
    v.meters().request.record(Duration.ofNanos(System.nanoTime() - r.submittedNanos));
    v.meters().outcome(e.kind().name());
    if (writer != null) {
      StoreException unsaved = writer.complete(ResultRecord.failed(r.record, v.version(), e.kind(),
          String.valueOf(e.getMessage()), Instant.now(), attempts), r.appended(), r.deadlineNanos);
      if (unsaved != null) {
        e.addSuppressed(unsaved);
      }
    }
    r.finish(e, null);
  }
}
