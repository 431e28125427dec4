package dev.deduce.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.DataType;
import dev.deduce.api.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Tensors as the protocol's JSON {@code data}: row-major, flat or nested arrays (nesting is only read, not checked). */
public final class JsonTensors {

  private JsonTensors() {}

  /**
   * The tensor {@code what} of {@code type} and {@code shape} from {@code data}.
   *
   * @throws ApiException 400 naming the element that does not fit the datatype, or the element count found and
   *     expected
   */
  public static Tensor decode(DataType type, long[] shape, JsonNode data, String what, Limits limits) {
    int n = limits.elements(shape, what);
    if (data == null || data.isNull()) {
      throw ApiException.bad(what + " has no data; expected a 'data' array of " + n + " elements, or binary data"
          + " (parameters.binary_data_size)");
    }
    Sink sink = new Sink(type, n, what, limits);
    if (data.isArray()) {
      flatten(data, sink);
    } else {
      sink.add(data); // a scalar stands for a one-element tensor
    }
    if (sink.count != n) {
      throw ApiException.bad(what + " has " + sink.count + " elements in 'data'; expected " + n + " for shape "
          + java.util.Arrays.toString(shape));
    }
    return sink.tensor(shape);
  }

  private static void flatten(JsonNode array, Sink sink) {
    for (JsonNode e : array) {
      if (e.isArray()) {
        flatten(e, sink);
      } else {
        sink.add(e);
      }
    }
  }

  /** Writes the elements of {@code t} as one flat JSON array. */
  public static void write(JsonGenerator g, Tensor t) throws IOException {
    switch (t.dtype()) {
      case FLOAT32: {
        float[] v = t.toFloatArray();
        g.writeStartArray(v, v.length);
        for (float f : v) {
          g.writeNumber(f);
        }
        g.writeEndArray();
        return;
      }
      case FLOAT64: {
        double[] v = t.toDoubleArray();
        g.writeArray(v, 0, v.length);
        return;
      }
      case INT32: {
        int[] v = t.toIntArray();
        g.writeArray(v, 0, v.length);
        return;
      }
      case INT64: {
        long[] v = t.toLongArray();
        g.writeArray(v, 0, v.length);
        return;
      }
      case UINT8: {
        byte[] v = t.toByteArray();
        g.writeStartArray(v, v.length);
        for (byte b : v) {
          g.writeNumber(b & 0xff);
        }
        g.writeEndArray();
        return;
      }
      case BOOL: {
        boolean[] v = t.toBooleanArray();
        g.writeStartArray(v, v.length);
        for (boolean b : v) {
          g.writeBoolean(b);
        }
        g.writeEndArray();
        return;
      }
      default: {
        String[] v = t.toStringArray();
        g.writeArray(v, 0, v.length);
      }
    }
  }

  /** Collects elements into one typed array, failing at the first element too many or of the wrong kind. */
  private static final class Sink {
    final DataType type;
    final int n;
    final String what;
    final Limits limits;
    final Object values;
    int count;

    Sink(DataType type, int n, String what, Limits limits) {
      this.type = type;
      this.n = n;
      this.what = what;
      this.limits = limits;
      switch (type) {
        case FLOAT32: values = new float[n]; break;
        case FLOAT64: values = new double[n]; break;
        case INT32: values = new int[n]; break;
        case INT64: values = new long[n]; break;
        case UINT8: values = new byte[n]; break;
        case BOOL: values = new boolean[n]; break;
        default: values = new String[n]; break;
      }
    }

    void add(JsonNode e) {
      if (count == n) {
        throw ApiException.bad(what + " has more than " + n + " elements in 'data'; expected " + n
            + " as its shape says");
      }
      int i = count++;
      switch (type) {
        case FLOAT32: ((float[]) values)[i] = (float) number(e, i); break;
        case FLOAT64: ((double[]) values)[i] = number(e, i); break;
        case INT32: ((int[]) values)[i] = (int) integer(e, i, Integer.MIN_VALUE, Integer.MAX_VALUE); break;
        case INT64: ((long[]) values)[i] = integer(e, i, Long.MIN_VALUE, Long.MAX_VALUE); break;
        case UINT8: ((byte[]) values)[i] = (byte) integer(e, i, 0, 255); break;
        case BOOL:
          if (!e.isBoolean()) {
            throw wrong(e, i, "true or false");
          }
          ((boolean[]) values)[i] = e.booleanValue();
          break;
        default:
          if (!e.isTextual()) {
            throw wrong(e, i, "a string");
          }
          String s = e.textValue();
          // a char is at most 3 UTF-8 bytes: only long strings need encoding to be measured
          if ((long) s.length() * 3 > limits.maxBytesLength()) {
            limits.checkBytesLength(s.getBytes(StandardCharsets.UTF_8).length, what, i);
          }
          ((String[]) values)[i] = s;
      }
    }

    private double number(JsonNode e, int i) {
      if (!e.isNumber()) {
        throw wrong(e, i, "a number");
      }
      return e.doubleValue();
    }

    private long integer(JsonNode e, int i, long min, long max) {
      if (!e.isIntegralNumber() || !e.canConvertToLong() || e.longValue() < min || e.longValue() > max) {
        throw wrong(e, i, "an integer from " + min + " to " + max);
      }
      return e.longValue();
    }

    private ApiException wrong(JsonNode e, int i, String expected) {
      String shown = e.toString();
      if (shown.length() > 40) {
        shown = shown.substring(0, 40) + "...";
      }
      return ApiException.bad(what + " element " + i + " is " + shown + "; expected " + expected + " for datatype "
          + Datatypes.name(type));
    }

    Tensor tensor(long[] shape) {
      switch (type) {
        case FLOAT32: return Tensor.ofFloats((float[]) values, shape);
        case FLOAT64: return Tensor.ofDoubles((double[]) values, shape);
        case INT32: return Tensor.ofInts((int[]) values, shape);
        case INT64: return Tensor.ofLongs((long[]) values, shape);
        case UINT8: return Tensor.ofUint8((byte[]) values, shape);
        case BOOL: return Tensor.ofBooleans((boolean[]) values, shape);
        default: return Tensor.ofStrings((String[]) values, shape);
      }
    }
  }
}
