package dev.deduce.flink.sql.internal;

import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;

/** A SQL row's input columns as one row of the model's tensors, and the model's outputs as a row of output columns. */
public final class RowTensors {

  private final List<Column> inputs;
  private final List<Column> outputs;
  private final Map<String, Integer> inputRank;

  private RowTensors(List<Column> inputs, List<Column> outputs, Map<String, Integer> inputRank) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.inputRank = inputRank;
  }

  /**
   * Checks the columns against the served model's signature: every input and output column names a tensor of the same
   * dtype, batched in dim 0, of rank 1 (scalars) or 2.
   *
   * @throws IllegalArgumentException naming the column, the model and what its signature holds
   */
  public static RowTensors check(String model, ModelSignature signature, List<Column> inputs, List<Column> outputs) {
    Map<String, TensorSpec> in = signature.inputs().stream().collect(Collectors.toMap(TensorSpec::name,
        Function.identity()));
    Map<String, TensorSpec> out = signature.outputs().stream().collect(Collectors.toMap(TensorSpec::name,
        Function.identity()));
    if (!in.keySet().equals(inputs.stream().map(Column::name).collect(Collectors.toSet()))) {
      throw new IllegalArgumentException("model '" + model + "' takes inputs " + in.keySet() + " but the SQL model's"
          + " INPUT columns are " + inputs.stream().map(Column::name).toList() + "; expected one column per input,"
          + " named as the input");
    }
    for (Column c : inputs) {
      checkColumn(model, "input", c, in.get(c.name()));
    }
    for (Column c : outputs) {
      TensorSpec spec = out.get(c.name());
      if (spec == null) {
        throw new IllegalArgumentException("model '" + model + "' has no output '" + c.name() + "'; expected OUTPUT"
            + " columns among " + out.keySet());
      }
      checkColumn(model, "output", c, spec);
    }
    return new RowTensors(inputs, outputs, inputs.stream().collect(Collectors.toMap(Column::name,
        c -> in.get(c.name()).shape().length)));
  }

  private static void checkColumn(String model, String what, Column c, TensorSpec spec) {
    long[] shape = spec.shape();
    if (spec.dtype() != c.dtype()) {
      throw new IllegalArgumentException("model '" + model + "' " + what + " '" + c.name() + "' is " + spec.dtype()
          + " but its SQL column is " + c.sql() + "; expected the column type of " + spec.dtype());
    }
    boolean fits = shape.length == 2 || (shape.length == 1 && !c.array());
    if (!fits) {
      throw new IllegalArgumentException("model '" + model + "' " + what + " '" + c.name() + "' has shape "
          + java.util.Arrays.toString(shape) + ", which a SQL " + c.sql() + " cannot hold; expected [batch] for a"
          + " scalar column or [batch, n] for an ARRAY column");
    }
  }

  /** The inputs of one SQL row: the predict function's arguments, in INPUT column order. */
  public NamedTensors inputs(RowData row) {
    NamedTensors.Builder b = NamedTensors.builder();
    for (int i = 0; i < inputs.size(); i++) {
      Column c = inputs.get(i);
      if (row.isNullAt(i)) {
        throw new InvalidInputException("input column '" + c.name() + "' is NULL; expected a " + c.sql());
      }
      b.put(c.name(), c.array() ? array(c, row.getArray(i)) : scalar(c, row, i, inputRank.get(c.name())));
    }
    return b.build();
  }

  private static Tensor array(Column c, ArrayData a) {
    int n = a.size();
    for (int i = 0; i < n; i++) {
      if (a.isNullAt(i)) {
        throw new InvalidInputException("input column '" + c.name() + "' holds NULL at index " + i + "; expected "
            + c.sql() + " without NULL elements");
      }
    }
    return switch (c.dtype()) {
      case FLOAT32 -> Tensor.ofFloats(a.toFloatArray(), 1, n);
      case FLOAT64 -> Tensor.ofDoubles(a.toDoubleArray(), 1, n);
      case INT32 -> Tensor.ofInts(a.toIntArray(), 1, n);
      case INT64 -> Tensor.ofLongs(a.toLongArray(), 1, n);
      default -> throw new IllegalStateException("no array codec for " + c.dtype());
    };
  }

  private static Tensor scalar(Column c, RowData row, int i, int rank) {
    long[] shape = rank == 1 ? new long[] {1} : new long[] {1, 1};
    return switch (c.dtype()) {
      case FLOAT32 -> Tensor.ofFloats(new float[] {row.getFloat(i)}, shape);
      case FLOAT64 -> Tensor.ofDoubles(new double[] {row.getDouble(i)}, shape);
      case INT32 -> Tensor.ofInts(new int[] {row.getInt(i)}, shape);
      case INT64 -> Tensor.ofLongs(new long[] {row.getLong(i)}, shape);
      default -> throw new IllegalStateException("no scalar codec for " + c.dtype());
    };
  }

  /** The OUTPUT columns of one answered row. */
  public RowData outputs(NamedTensors answer) {
    GenericRowData row = new GenericRowData(outputs.size());
    for (int i = 0; i < outputs.size(); i++) {
      Column c = outputs.get(i);
      Tensor t = answer.get(c.name());
      row.setField(i, c.array() ? switch (c.dtype()) {
        case FLOAT32 -> new GenericArrayData(t.toFloatArray());
        case FLOAT64 -> new GenericArrayData(t.toDoubleArray());
        case INT32 -> new GenericArrayData(t.toIntArray());
        case INT64 -> new GenericArrayData(t.toLongArray());
        default -> throw new IllegalStateException("no array codec for " + c.dtype());
      } : switch (c.dtype()) {
        case FLOAT32 -> t.toFloatArray()[0];
        case FLOAT64 -> t.toDoubleArray()[0];
        case INT32 -> t.toIntArray()[0];
        case INT64 -> t.toLongArray()[0];
        default -> throw new IllegalStateException("no scalar codec for " + c.dtype());
      });
    }
    return row;
  }
}
