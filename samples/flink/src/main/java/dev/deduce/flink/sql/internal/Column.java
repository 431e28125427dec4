package dev.deduce.flink.sql.internal;

import dev.deduce.api.DataType;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * One model column as Deduce sees it: the tensor of the same name, its dtype, and whether the SQL value is an array
 * (one row of a [batch, n] tensor) or a scalar (a [batch] or [batch, 1] tensor).
 *
 * @param name  the column and tensor name
 * @param dtype the tensor's dtype
 * @param array whether the SQL type is {@code ARRAY<...>}
 * @param sql   the SQL type as written, for messages
 */
public record Column(String name, DataType dtype, boolean array, String sql) implements Serializable {

  /** The SQL types a column may have. */
  public static final List<String> SUPPORTED = List.of("FLOAT", "DOUBLE", "INT", "BIGINT", "ARRAY<FLOAT>",
      "ARRAY<DOUBLE>", "ARRAY<INT>", "ARRAY<BIGINT>");

  /**
   * The column {@code name} of SQL type {@code type}.
   *
   * @throws IllegalArgumentException naming the column, its type and the supported ones
   */
  public static Column of(String what, String name, LogicalType type) {
    boolean array = type.getTypeRoot() == LogicalTypeRoot.ARRAY;
    LogicalType element = array ? ((ArrayType) type).getElementType() : type;
    DataType dtype = switch (element.getTypeRoot()) {
      case FLOAT -> DataType.FLOAT32;
      case DOUBLE -> DataType.FLOAT64;
      case INTEGER -> DataType.INT32;
      case BIGINT -> DataType.INT64;
      default -> null;
    };
    if (dtype == null) {
      throw new IllegalArgumentException(what + " column '" + name + "' is " + type.asSummaryString()
          + ", which has no Deduce tensor type; expected one of " + SUPPORTED);
    }
    return new Column(name, dtype, array, type.asSummaryString());
  }
}
