package dev.deduce.server.internal;

import dev.deduce.api.DataType;
import java.util.List;
import java.util.Map;

/** The Open Inference Protocol's tensor datatype names and the Deduce {@link DataType} each maps to, if any. */
public final class Datatypes {

  private static final Map<String, DataType> BY_NAME = Map.of(
      "BOOL", DataType.BOOL,
      "UINT8", DataType.UINT8,
      "INT32", DataType.INT32,
      "INT64", DataType.INT64,
      "FP32", DataType.FLOAT32,
      "FP64", DataType.FLOAT64,
      "BYTES", DataType.STRING);
  /** In the protocol, not in Deduce's DataType: named in the error so the client knows it is not a typo. */
  private static final List<String> UNSUPPORTED = List.of("UINT16", "UINT32", "UINT64", "INT8", "INT16", "FP16",
      "BF16");
  /** What a client may send, in the protocol's order. */
  public static final List<String> SUPPORTED = List.of("BOOL", "UINT8", "INT32", "INT64", "FP32", "FP64", "BYTES");

  private Datatypes() {}

  /**
   * The Deduce type of protocol datatype {@code name}, for the tensor {@code what} (e.g. "input 'x'").
   *
   * @throws ApiException 400 naming the datatype and the ones Deduce carries
   */
  public static DataType parse(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw ApiException.bad(what + " has no datatype; expected one of " + SUPPORTED);
    }
    DataType t = BY_NAME.get(name);
    if (t != null) {
      return t;
    }
    if (UNSUPPORTED.contains(name)) {
      throw ApiException.bad(what + " has datatype " + name + ", which Deduce's tensors cannot carry; expected one of "
          + SUPPORTED + " (Deduce has no " + String.join(", ", UNSUPPORTED) + ")");
    }
    throw ApiException.bad(what + " has datatype '" + name + "', which is not an Open Inference Protocol datatype;"
        + " expected one of " + SUPPORTED);
  }

  /** The protocol name of {@code type}. */
  public static String name(DataType type) {
    switch (type) {
      case BOOL: return "BOOL";
      case UINT8: return "UINT8";
      case INT32: return "INT32";
      case INT64: return "INT64";
      case FLOAT32: return "FP32";
      case FLOAT64: return "FP64";
      case STRING: return "BYTES";
      default: throw new IllegalArgumentException("no protocol datatype for " + type);
    }
  }
}
