package dev.deduce.flink.sql;

import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.api.config.MLPredictRuntimeConfigOptions;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/**
 * A Deduce model served to Flink SQL: both ML_PREDICT paths. The asynchronous one (the planner's choice unless
 * {@code 'async' = 'false'}) lets {@code 'max-concurrent-operations'} rows be in flight per subtask, which is what
 * lets Deduce batch them.
 */
public final class DeduceModelProvider implements AsyncPredictRuntimeProvider, PredictRuntimeProvider {

  private final DeduceModelSpec spec;

  DeduceModelProvider(DeduceModelSpec spec) {
    this.spec = spec;
  }

  /** What the model resolved to. */
  public DeduceModelSpec spec() {
    return spec;
  }

  @Override
  public AsyncPredictFunction createAsyncPredictFunction(Context context) {
    // ML_PREDICT's own option when the query sets it, else the table config's default for every ML_PREDICT
    int inFlight = context.runtimeConfig().getOptional(MLPredictRuntimeConfigOptions.ASYNC_MAX_CONCURRENT_OPERATIONS)
        .orElseGet(() -> context.runtimeConfig()
            .get(ExecutionConfigOptions.TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS));
    return new DeduceAsyncPredictFunction(spec, inFlight);
  }

  @Override
  public PredictFunction createPredictFunction(Context context) {
    return new DeducePredictFunction(spec);
  }

  @Override
  public DeduceModelProvider copy() {
    return new DeduceModelProvider(spec); // the spec is immutable
  }
}
