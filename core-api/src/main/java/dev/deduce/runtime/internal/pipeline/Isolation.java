package dev.deduce.runtime.internal.pipeline;

import dev.deduce.api.DeduceException;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.LoadedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Settles a batch whose engine run failed permanently, so one caller's bad input fails only that caller and never
 * counts against the engine: the batch is re-run in halves until each failure is pinned to a request that fails
 * alone. Such a request's failure is its input's fault when anything else ran (a part of the batch, or the version's
 * probe input); only when nothing runs is it the engine's, counted once by the breaker.
 *
 * <p>Cost: a batch of n with one bad request takes about 2 log2(n) extra runs; with a broken engine, the probe stops
 * the search after the first split whose halves both fail. Runs only on failure, never on the batched fast path.
 */
final class Isolation {

  private final BatchRunner runner;
  private final Outcomes outcomes;
  private final ServingVersion v;
  private final LoadedModel model;
  private final long startNanos;
  private final int[] attempts;
  /** Requests that failed alone, with their failures. */
  private final List<Request> alone = new ArrayList<>();
  private final List<DeduceException> aloneFailures = new ArrayList<>();
  /** Something ran on this engine during the isolation: a part of the batch, or the probe. */
  private boolean engineRan;
  private Boolean probeRan; // null until the probe was tried
  private DeduceException engineFault;

  Isolation(BatchRunner runner, Outcomes outcomes, ServingVersion v, LoadedModel model, long startNanos,
      int[] attempts) {
    this.runner = runner;
    this.outcomes = outcomes;
    this.v = v;
    this.model = model;
    this.startNanos = startNanos;
    this.attempts = attempts;
  }

  /** Whether {@code e} may lie with one request's input: the engine refused it, or failed in a way retries won't fix. */
  static boolean applies(DeduceException e) {
    return e instanceof InvalidInputException || e instanceof EngineException;
  }

  /** Finishes every request of {@code batch}, which failed as a whole with {@code first}, and settles the breaker. */
  void settle(List<Request> batch, DeduceException first) {
    if (batch.size() == 1) {
      pinned(batch.get(0), first);
    } else {
      bisect(batch);
    }
    if (engineFault == null && !alone.isEmpty() && !engineRan && !allInvalidInput()) {
      probe();
    }
    List<DeduceException> verdicts = new ArrayList<>(alone.size());
    for (DeduceException e : aloneFailures) {
      if (engineFault == null && !(e instanceof InvalidInputException) && !engineRan) {
        engineFault = e; // nothing ran at all: the engine, not this input, is at fault
      }
    }
    for (int i = 0; i < alone.size(); i++) {
      DeduceException e = aloneFailures.get(i);
      verdicts.add(engineFault == null ? asInputFault(alone.get(i), e) : e);
    }
    // the breaker first: a caller that sees its failure must also see the breaker it caused
    if (engineFault != null) {
      v.resilience.failed(startNanos, engineFault);
    } else if (engineRan) {
      v.resilience.succeeded(startNanos);
    } else {
      v.resilience.released(); // only refusals of callers' inputs: nothing learned about the engine
    }
    for (int i = 0; i < alone.size(); i++) {
      outcomes.fail(alone.get(i), verdicts.get(i), attempts[0]);
    }
  }

  private void bisect(List<Request> part) {
    int mid = part.size() / 2;
    List<List<Request>> halves = List.of(part.subList(0, mid), part.subList(mid, part.size()));
    List<List<Request>> failed = new ArrayList<>(2);
    List<DeduceException> failures = new ArrayList<>(2);
    for (List<Request> half : halves) {
      DeduceException e = tryRun(half);
      if (e != null) {
        failed.add(half);
        failures.add(e);
      }
    }
    if (failed.size() == 2 && !engineRan && !probe()) {
      engineFault = failures.get(0); // both halves fail and so does a known-good input: stop searching
      for (int i = 0; i < 2; i++) {
        for (Request r : failed.get(i)) {
          pinned(r, failures.get(i));
        }
      }
      return;
    }
    for (int i = 0; i < failed.size(); i++) {
      if (failed.get(i).size() == 1) {
        pinned(failed.get(i).get(0), failures.get(i));
      } else {
        bisect(failed.get(i));
      }
    }
  }

  /** Runs {@code part}; finishes its requests unless it failed in a way isolation applies to, which it returns. */
  private DeduceException tryRun(List<Request> part) {
    long now = System.nanoTime();
    long deadline = Long.MAX_VALUE;
    List<Request> live = new ArrayList<>(part.size());
    for (Request r : part) {
      if (r.expiredAt(now)) {
        outcomes.fail(r, BatchRunner.expired(r), attempts[0]);
      } else {
        live.add(r);
        deadline = deadline == Long.MAX_VALUE || r.deadlineNanos - deadline < 0 ? r.deadlineNanos : deadline;
      }
    }
    if (live.isEmpty()) {
      return null;
    }
    try {
      List<NamedTensors> outputs = runner.execute(v, model, live, deadline, attempts);
      engineRan = true;
      Outcomes.Run run = new Outcomes.Run(startNanos, System.nanoTime() - startNanos, attempts[0], live.size());
      for (int i = 0; i < live.size(); i++) {
        outcomes.succeed(live.get(i), outputs.get(i), run);
      }
      return null;
    } catch (DeduceException e) {
      if (applies(e) && live.size() == part.size()) {
        return e;
      }
      for (Request r : live) {
        outcomes.fail(r, e, attempts[0]);
      }
      return null;
    }
  }

  private void pinned(Request r, DeduceException e) {
    alone.add(r);
    aloneFailures.add(e);
  }

  /** Runs the version's probe input once; false when it fails or there is none. */
  private boolean probe() {
    if (probeRan == null) {
      NamedTensors in = v.checks().probe();
      if (in == null) {
        probeRan = false;
      } else {
        try {
          v.resilience.attempt(() -> model.run(in), Long.MAX_VALUE, new int[1]);
          probeRan = true;
        } catch (RuntimeException e) {
          probeRan = false;
        }
      }
      engineRan |= probeRan;
    }
    return probeRan;
  }

  private boolean allInvalidInput() {
    return aloneFailures.stream().allMatch(e -> e instanceof InvalidInputException);
  }

  private InvalidInputException asInputFault(Request r, DeduceException e) {
    if (e instanceof InvalidInputException i) {
      return i;
    }
    return new InvalidInputException("model '" + v.model() + "' version '" + v.version() + "' failed on the input"
        + " of request " + r.record.requestId() + " while it ran other inputs: " + e.getMessage() + "; expected an"
        + " input the model can run (this failure is the request's own and does not count against the model)", e);
  }
}
