package dev.deduce.flink.sql.internal;

import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.RequestOptions;
import dev.deduce.flink.internal.SubtaskHost;
import dev.deduce.flink.sql.DeduceModelSpec;
import dev.deduce.runtime.DeduceRuntime;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.table.functions.FunctionContext;

/**
 * A predict function's host for one subtask, opened and checked in {@code open}: the model serves, its signature fits
 * the SQL columns, and its queue holds the requests Flink lets be in flight.
 */
public final class PredictHost implements AutoCloseable {

  private final SubtaskHost subtask;
  private final DeduceRuntime runtime;
  private final RowTensors rows;
  private final RequestOptions options;

  private PredictHost(SubtaskHost subtask, RowTensors rows, Duration deadline) {
    this.subtask = subtask;
    this.runtime = subtask.host().runtime();
    this.rows = rows;
    this.options = RequestOptions.builder().timeout(deadline).build();
  }

  /** Starts and checks the host of this subtask; {@code inFlight} is Flink's limit (1 for the synchronous path). */
  public static PredictHost open(DeduceModelSpec spec, FunctionContext context, int inFlight) {
    SubtaskHost subtask = SubtaskHost.start(spec.host(), Map.of(), context::getCachedFile, "sql-" + spec.model(),
        context.getTaskInfo().getIndexOfThisSubtask(), Duration.ofSeconds(60));
    try {
      DeduceRuntime runtime = subtask.host().runtime();
      if (runtime.versions(spec.model()).isEmpty()) {
        throw new ModelNotFoundException("model '" + spec.model() + "' is not serving in this subtask's host;"
            + " repository problems: " + subtask.host().repository().map(r -> r.problems().toString())
            .orElse("no model repository ('models' option)") + "; expected models/" + spec.model()
            + "/<version>/model.conf");
      }
      int capacity = runtime.servingSettings(spec.model(), spec.version()).queueCapacity();
      if (capacity < inFlight) {
        throw new IllegalArgumentException("model '" + spec.model() + "' has queue.capacity " + capacity + " but"
            + " ML_PREDICT's 'max-concurrent-operations' lets " + inFlight + " requests be in flight per subtask;"
            + " expected a queue at least that large in its model.conf, or fewer operations");
      }
      RowTensors rows = RowTensors.check(spec.model(), runtime.signature(spec.model(), spec.version()),
          spec.inputs(), spec.outputs());
      return new PredictHost(subtask, rows, spec.deadline());
    } catch (RuntimeException e) {
      subtask.close();
      throw e;
    }
  }

  /** The runtime. */
  public DeduceRuntime runtime() {
    return runtime;
  }

  /** The codec between SQL rows and the model's tensors. */
  public RowTensors rows() {
    return rows;
  }

  /** Each request's options: the deadline, no idempotency key (a SQL row has no id of its own). */
  public RequestOptions options() {
    return options;
  }

  @Override
  public void close() {
    subtask.close();
  }
}
