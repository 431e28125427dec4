package dev.deduce.runtime.internal.admission;

import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.runtime.internal.pipeline.Outcomes;
import dev.deduce.runtime.internal.pipeline.Request;
import dev.deduce.runtime.internal.pipeline.ServingVersion;
import dev.deduce.runtime.internal.serving.ModelRegistry;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-runs the requests an earlier DURABLE run acknowledged but never finished: read once from the store at start,
 * each re-queued when a version that may serve it is deployed, keeping its id, deadline and age.
 *
 * <p>Their idempotency keys are registered as they are read, before any version is deployed, so a resubmission of a
 * key waits for the recovered request instead of running the model a second time. A request whose deadline passed
 * while the process was down still runs, under the model's default deadline from now: its caller is gone, and the
 * only ones to read its outcome are resubmissions of its key, which expect its result, not a stale deadline failure.
 */
public final class Recovery {

  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  private record Pending(RequestRecord record, CompletableFuture<InferenceResult> future) {}

  private final Map<String, List<Pending>> backlog = new ConcurrentHashMap<>();
  private final ModelRegistry models;
  private final Admission admission;
  private final Outcomes outcomes;
  private final Tracer tracer;
  private int read;

  private Recovery(ModelRegistry models, Admission admission, Outcomes outcomes, Tracer tracer) {
    this.models = models;
    this.admission = admission;
    this.outcomes = outcomes;
    this.tracer = tracer;
  }

  /** Reads the PENDING requests of {@code store} (null = none to recover). */
  public static Recovery read(Store store, ModelRegistry models, Admission admission, Outcomes outcomes,
      Tracer tracer) {
    Recovery r = new Recovery(models, admission, outcomes, tracer);
    if (store != null) {
      for (RequestRecord p : store.pending()) {
        CompletableFuture<InferenceResult> future = new CompletableFuture<>();
        admission.remember(p, future);
        r.backlog.computeIfAbsent(p.model(), m -> new ArrayList<>()).add(new Pending(p, future));
        r.read++;
      }
      if (!r.backlog.isEmpty()) {
        LOG.info("recovering PENDING requests for models {}; each re-runs once its model is deployed",
            r.backlog.keySet());
      }
    }
    return r;
  }

  /** How many PENDING requests were read from the store at start. */
  public int read() {
    return read;
  }

  /** Re-queues the PENDING requests that {@code deployed} can serve. */
  public void deployed(ServingVersion deployed) {
    List<Pending> waiting = backlog.get(deployed.model());
    if (waiting == null) {
      return;
    }
    List<Pending> mine = new ArrayList<>();
    synchronized (waiting) {
      for (Iterator<Pending> it = waiting.iterator(); it.hasNext(); ) {
        Pending r = it.next();
        if (r.record().version().isEmpty() || r.record().version().equals(deployed.version())) {
          mine.add(r);
          it.remove();
        }
      }
    }
    mine.forEach(this::requeue);
  }

  private void requeue(Pending pending) {
    RequestRecord record = pending.record();
    CompletableFuture<InferenceResult> future = pending.future();
    ServingVersion v;
    try {
      v = models.acquire(record.model(), record.version().isEmpty() ? null : record.version());
    } catch (DeduceException ex) {
      LOG.warn("recovered request {} cannot be routed now ({}); it stays PENDING for the next start",
          record.requestId(), ex.getMessage());
      // resubmissions of its key waiting on it get the reason; the next start runs it
      future.completeExceptionally(ex);
      return;
    }
    long nowNanos = System.nanoTime();
    Instant now = Instant.now();
    long remaining = Duration.between(now, record.deadline()).toNanos();
    if (remaining <= 0) {
      remaining = v.settings().deadline().toNanos();
    }
    long age = Math.max(0, Duration.between(record.submittedAt(), now).toNanos());
    Request r = Request.start(tracer, record, v, nowNanos - age, nowNanos + remaining, future, true);
    try {
      v.signature().validate(record.inputs(), v.settings().maxElements());
    } catch (InvalidInputException ex) {
      r.expire();
      outcomes.fail(r, ex, 0);
      return;
    }
    admission.requeue(r, remaining);
  }
}
