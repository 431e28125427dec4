package dev.deduce.flink;

import dev.deduce.api.InferenceResult;
import java.io.Serializable;

/** Builds the job's output record from the input record and its inference result (run on the completing thread). */
@FunctionalInterface
public interface RecordOutputs<IN, OUT> extends Serializable {

  /** The output for {@code record}; {@code result.batchSize()} is 0 when the answer was replayed from the store. */
  OUT output(IN record, InferenceResult result) throws Exception;
}
