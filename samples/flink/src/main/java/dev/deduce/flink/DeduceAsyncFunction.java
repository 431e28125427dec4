package dev.deduce.flink;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.flink.internal.Failures;
import dev.deduce.flink.internal.SubtaskHost;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.ModelSettings;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.cache.DistributedCache;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.types.Either;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's async I/O operator function over Deduce: each parallel instance starts its own {@link
 * dev.deduce.host.DeduceHost} in {@link #open}, {@link #asyncInvoke} submits one record without blocking (the result
 * future completes from Deduce's completion thread), and {@link #close} drains and closes the host.
 *
 * <p>Every request carries the record's id as its idempotency key, so a record Flink replays after a restore is
 * answered from the first run (from the subtask's store under RESULTS) instead of running again. Emits
 * {@code Either.Left(output)}, or {@code Either.Right(failure)} for a record that failed under
 * {@link FailurePolicy#SIDE_OUTPUT}; {@link DeduceInference} wires it and splits the two.
 */
public final class DeduceAsyncFunction<IN, OUT> extends RichAsyncFunction<IN, Either<OUT, InferenceFailure>>
    implements ResultTypeQueryable<Either<OUT, InferenceFailure>> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DeduceAsyncFunction.class);

  private final String model;
  private final String version;
  private final HostSpec host;
  private final RecordIds<IN> ids;
  private final RecordInputs<IN> inputs;
  private final RecordOutputs<IN, OUT> outputs;
  private final TypeInformation<OUT> outputType;
  private final Duration deadline;
  private final int capacity;
  private final FailurePolicy policy;
  private final String uid;
  private final Duration lockWait;

  private transient DistributedCache cache;
  private transient SubtaskHost subtask;
  private transient DeduceRuntime runtime;
  private transient Counter replayed;
  private transient Counter failed;

  DeduceAsyncFunction(DeduceInference.Builder<IN, OUT> b) {
    this.model = b.model;
    this.version = b.version;
    this.host = b.host;
    this.ids = b.ids;
    this.inputs = b.inputs;
    this.outputs = b.outputs;
    this.outputType = b.outputType;
    this.deadline = b.deadline;
    this.capacity = b.capacity;
    this.policy = b.policy;
    this.uid = b.uid;
    this.lockWait = b.lockWait;
  }

  /**
   * Keeps the operator's own distributed cache before RichAsyncFunction wraps the context: the wrapper refuses the
   * cache (with state) because async callbacks run off the task thread, but open() reads it on the task thread,
   * which is what every other rich function does.
   */
  @Override
  public void setRuntimeContext(RuntimeContext context) {
    this.cache = context.getDistributedCache();
    super.setRuntimeContext(context);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    RuntimeContext rc = getRuntimeContext();
    int index = rc.getTaskInfo().getIndexOfThisSubtask();
    subtask = SubtaskHost.start(host, rc.getGlobalJobParameters(), name -> cache.getFile(name), uid, index,
        lockWait);
    try {
      runtime = subtask.host().runtime();
      requireServing();
    } catch (RuntimeException e) {
      subtask.close();
      throw e;
    }
    replayed = rc.getMetricGroup().addGroup("deduce").counter("replayed");
    failed = rc.getMetricGroup().addGroup("deduce").counter("failed");
    LOG.info("{}: Deduce serving model '{}' (durability {}, store {}), {} requests in flight at most, deadline {}",
        rc.getTaskInfo().getTaskNameWithSubtasks(), model, runtime.durability(),
        subtask.storeLocation().map(Object::toString).orElse("none"), capacity, deadline);
  }

  // the model must serve before the first record, and its queue must hold every request Flink lets be in flight:
  // otherwise a full Deduce queue answers "overloaded" where Flink's capacity should have applied backpressure
  private void requireServing() {
    if (runtime.versions(model).isEmpty()) {
      String problems = subtask.host().repository().map(r -> r.problems().toString()).orElse("no model repository");
      throw new ModelNotFoundException("model '" + model + "' is not serving in this subtask's host; repository"
          + " problems: " + problems + "; expected models/" + model + "/<version>/model.conf in the repository");
    }
    ModelSettings s = runtime.servingSettings(model, version);
    if (s.queueCapacity() < capacity) {
      throw new IllegalArgumentException("model '" + model + "' has queue.capacity " + s.queueCapacity()
          + " but the Flink operator lets " + capacity + " requests be in flight per subtask; expected queue"
          + " { capacity = " + capacity + " } or more in its model.conf, or a smaller capacity");
    }
  }

  @Override
  public void asyncInvoke(IN record, ResultFuture<Either<OUT, InferenceFailure>> result) {
    String id = recordId(record);
    String requestId = DeduceRuntime.requestIdFor(model, id);
    NamedTensors in;
    try {
      in = inputs.inputs(record);
    } catch (Exception e) {
      fail(id, requestId, new dev.deduce.api.InvalidInputException("the record's inputs could not be built: " + e,
          e), result);
      return;
    }
    RequestOptions options = RequestOptions.builder().timeout(deadline).idempotencyKey(id).build();
    runtime.submit(model, version, in, options).whenComplete((r, e) -> {
      if (e != null) {
        fail(id, requestId, Failures.unwrap(e), result);
      } else {
        complete(record, id, r, result);
      }
    });
  }

  private String recordId(IN record) {
    String id = ids.id(record);
    if (id == null) {
      throw new RecordFailedException("null", "JOB", "RecordIds returned null for " + record
          + "; expected the record's own stable id", null);
    }
    return id;
  }

  private void complete(IN record, String id, InferenceResult r, ResultFuture<Either<OUT, InferenceFailure>> result) {
    OUT out;
    try {
      out = outputs.output(record, r);
    } catch (Exception e) {
      result.completeExceptionally(new RecordFailedException(id, "JOB", "RecordOutputs failed: " + e, e));
      return;
    }
    if (r.batchSize() == 0) {
      replayed.inc();
    }
    result.complete(List.of(Either.Left(out)));
  }

  private void fail(String id, String requestId, Throwable error, ResultFuture<Either<OUT, InferenceFailure>> result) {
    failed.inc();
    ErrorKind kind = Failures.recordKind(error);
    String reason = String.valueOf(error.getMessage());
    if (kind != null && policy == FailurePolicy.SIDE_OUTPUT) {
      result.complete(List.of(Either.Right(new InferenceFailure(id, requestId, model, kind.name(), reason))));
    } else {
      result.completeExceptionally(new RecordFailedException(id, Failures.kindName(error), reason, error));
    }
  }

  /** Flink's timeout passed first (it is set a little past the deadline, so Deduce's own deadline normally wins). */
  @Override
  public void timeout(IN record, ResultFuture<Either<OUT, InferenceFailure>> result) {
    String id = recordId(record);
    fail(id, DeduceRuntime.requestIdFor(model, id), new dev.deduce.api.DeadlineExceededException("Flink's async"
        + " timeout passed before Deduce answered (deadline " + deadline + ")"), result);
  }

  /** Lets in-flight requests finish, closes the host (the store flushes) and releases the store. */
  @Override
  public void close() throws Exception {
    if (subtask != null) {
      subtask.close();
      subtask = null;
    }
  }

  @Override
  public TypeInformation<Either<OUT, InferenceFailure>> getProducedType() {
    return new EitherTypeInfo<>(outputType, TypeInformation.of(InferenceFailure.class));
  }

  @Override
  public String toString() {
    return "DeduceAsyncFunction{model=" + model + ", version=" + version + ", " + host + ", deadline=" + deadline
        + ", capacity=" + capacity + ", policy=" + policy + "}";
  }
}
