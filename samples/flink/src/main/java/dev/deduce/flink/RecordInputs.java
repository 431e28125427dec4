package dev.deduce.flink;

import dev.deduce.api.NamedTensors;
import java.io.Serializable;

/** Turns one record into the model's named input tensors (one row: dim 0 of size 1 for a batched model). */
@FunctionalInterface
public interface RecordInputs<IN> extends Serializable {

  /** The inputs for {@code record}; a throw fails that record as invalid input, naming the record id. */
  NamedTensors inputs(IN record) throws Exception;
}
