package dev.deduce.flink.internal;

import dev.deduce.flink.InferenceFailure;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Outputs go on, failures go to the side output (async functions have no side outputs of their own). */
public final class SplitFailures<OUT> extends ProcessFunction<Either<OUT, InferenceFailure>, OUT> {

  private static final long serialVersionUID = 1L;

  private final OutputTag<InferenceFailure> failures;

  /** Splits failures off to {@code failures}. */
  public SplitFailures(OutputTag<InferenceFailure> failures) {
    this.failures = failures;
  }

  @Override
  public void processElement(Either<OUT, InferenceFailure> value, Context ctx, Collector<OUT> out) {
    if (value.isLeft()) {
      out.collect(value.left());
    } else {
      ctx.output(failures, value.right());
    }
  }
}
