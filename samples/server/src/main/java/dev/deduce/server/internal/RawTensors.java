package dev.deduce.server.internal;

import dev.deduce.api.DataType;
import dev.deduce.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Tensors as the protocol's raw bytes: little-endian elements, row-major; BOOL one byte each; BYTES each element a
 * 4-byte little-endian length followed by its bytes. The binary tensor extension (REST) and
 * raw_input_contents/raw_output_contents (gRPC) both use it.
 */
public final class RawTensors {

  private RawTensors() {}

  /**
   * The tensor {@code what} of {@code type} and {@code shape} from {@code bytes}, which must hold exactly its elements.
   *
   * @throws ApiException 400 saying how many bytes there were and how many were expected
   */
  public static Tensor decode(DataType type, long[] shape, ByteBuffer bytes, String what, Limits limits) {
    int n = limits.elements(shape, what);
    ByteBuffer in = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (type == DataType.STRING) {
      return Tensor.ofStrings(strings(in, n, what, limits), shape);
    }
    long expected = (long) n * type.byteSize();
    if (in.remaining() != expected) {
      throw ApiException.bad(what + " has " + in.remaining() + " bytes of binary data; expected " + expected + " ("
          + n + " " + Datatypes.name(type) + " elements of " + type.byteSize() + " bytes)");
    }
    try {
      return Tensor.fromBuffer(type, in, shape);
    } catch (IllegalArgumentException e) {
      throw ApiException.bad(what + ": " + e.getMessage()); // a BOOL byte other than 0 or 1
    }
  }

  private static String[] strings(ByteBuffer in, int n, String what, Limits limits) {
    String[] out = new String[n];
    var utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int i = 0; i < n; i++) {
      if (in.remaining() < 4) {
        throw ApiException.bad(what + " binary data ends before the length of BYTES element " + i + "; expected "
            + n + " elements, each a 4-byte little-endian length and its bytes");
      }
      int len = in.getInt();
      if (len < 0 || len > in.remaining()) {
        throw ApiException.bad(what + " BYTES element " + i + " has length " + Integer.toUnsignedString(len)
            + " but " + in.remaining() + " bytes remain; expected a 4-byte little-endian length and its bytes");
      }
      limits.checkBytesLength(len, what, i);
      ByteBuffer s = in.slice();
      s.limit(len);
      in.position(in.position() + len);
      try {
        CharBuffer chars = utf8.decode(s);
        out[i] = chars.toString();
      } catch (CharacterCodingException e) {
        throw ApiException.bad(what + " BYTES element " + i + " is not UTF-8 text; Deduce carries BYTES as text");
      }
    }
    if (in.hasRemaining()) {
      throw ApiException.bad(what + " has " + in.remaining() + " bytes of binary data after its " + n
          + " BYTES elements; expected none");
    }
    return out;
  }

  /** The raw little-endian bytes of {@code t}. */
  public static byte[] encode(Tensor t) {
    if (t.dtype() == DataType.STRING) {
      String[] s = t.toStringArray();
      byte[][] parts = new byte[s.length][];
      int size = 0;
      for (int i = 0; i < s.length; i++) {
        parts[i] = s[i].getBytes(StandardCharsets.UTF_8);
        size += 4 + parts[i].length;
      }
      ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
      for (byte[] p : parts) {
        out.putInt(p.length).put(p);
      }
      return out.array();
    }
    ByteBuffer src = t.buffer().duplicate().order(ByteOrder.nativeOrder());
    src.rewind();
    byte[] out = new byte[src.remaining()];
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || t.dtype().byteSize() == 1) {
      src.get(out); // already the protocol's order: one bulk copy
      return out;
    }
    ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    switch (t.dtype()) {
      case FLOAT32: le.asFloatBuffer().put(src.asFloatBuffer()); break;
      case FLOAT64: le.asDoubleBuffer().put(src.asDoubleBuffer()); break;
      case INT32: le.asIntBuffer().put(src.asIntBuffer()); break;
      default: le.asLongBuffer().put(src.asLongBuffer()); break;
    }
    return out;
  }
}
