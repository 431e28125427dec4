package dev.deduce.spi;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The compact binary form stores keep tensors in: per tensor its name, dtype code, shape and raw little-endian bytes.
 *
 * <p>Shared by every store so that a database written by one plugin version reads back in the next. Layout (all
 * integers big-endian but the tensor data): {@code "DDT1"}, int count, then per tensor: int name length, UTF-8 name,
 * byte dtype code ({@link #code}), byte rank, long per dimension, then the elements (strings as int length + UTF-8).
 */
public final class TensorCodec {

  private static final int MAGIC = 0x44445431; // "DDT1"

  private TensorCodec() {}

  /** Encodes {@code tensors}, in order. */
  public static byte[] encode(NamedTensors tensors) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (int) Math.min(Integer.MAX_VALUE / 2,
          tensors.asMap().values().stream().mapToLong(Tensor::byteSize).sum()));
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(tensors.size());
      for (var e : tensors.asMap().entrySet()) {
        Tensor t = e.getValue();
        writeString(out, e.getKey());
        out.writeByte(code(t.dtype()));
        long[] shape = t.shape();
        out.writeByte(shape.length);
        for (long d : shape) {
          out.writeLong(d);
        }
        if (t.dtype() == DataType.STRING) {
          for (String s : t.toStringArray()) {
            writeString(out, s);
          }
        } else {
          ByteBuffer b = t.buffer().order(ByteOrder.nativeOrder());
          ByteBuffer le = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
          copyToLittleEndian(t.dtype(), b, le);
          out.write(le.array());
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Decodes what {@link #encode} wrote.
   *
   * @throws IllegalArgumentException when the bytes are not a valid encoding
   */
  public static NamedTensors decode(byte[] data) {
    if (data == null) {
      throw new IllegalArgumentException("tensor bytes are null; expected an encoding from TensorCodec.encode");
    }
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
    try {
      if (in.getInt() != MAGIC) {
        throw new IllegalArgumentException("tensor bytes do not start with the DDT1 marker; not a TensorCodec encoding");
      }
      int count = in.getInt();
      if (count < 0 || count > 1_000_000) {
        throw new IllegalArgumentException("tensor count " + count + " is corrupt");
      }
      NamedTensors.Builder b = NamedTensors.builder();
      for (int i = 0; i < count; i++) {
        String name = readString(in);
        DataType dtype = dtype(in.get(), name);
        int rank = in.get();
        if (rank < 0) {
          throw new IllegalArgumentException("rank " + rank + " of '" + name + "' is corrupt");
        }
        long[] shape = new long[rank];
        long n = 1;
        for (int d = 0; d < rank; d++) {
          shape[d] = in.getLong();
          if (shape[d] < 0 || (shape[d] > 0 && n > Tensor.MAX_ELEMENTS / shape[d])) {
            throw new IllegalArgumentException("shape of '" + name + "' is corrupt");
          }
          n *= shape[d];
        }
        if (dtype == DataType.STRING) {
          String[] s = new String[(int) n];
          for (int k = 0; k < n; k++) {
            s[k] = readString(in);
          }
          b.put(name, Tensor.ofStrings(s, shape));
        } else {
          int len = Math.multiplyExact((int) n, dtype.byteSize());
          if (len > in.remaining()) {
            throw new IllegalArgumentException("tensor '" + name + "' needs " + len + " bytes, only "
                + in.remaining() + " remain");
          }
          ByteBuffer slice = in.slice().limit(len).order(ByteOrder.LITTLE_ENDIAN);
          in.position(in.position() + len);
          b.put(name, Tensor.fromBuffer(dtype, slice, shape));
        }
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " trailing bytes after the last tensor");
      }
      return b.build();
    } catch (BufferUnderflowException | ArithmeticException e) {
      throw new IllegalArgumentException("tensor bytes are truncated or corrupt", e);
    }
  }

  /**
   * The stored code of {@code dtype}, fixed forever. Never {@code DataType.ordinal()}: reordering or extending the enum
   * must not change what a stored byte means. The codes equal the ordinals the first release wrote (it used
   * {@code ordinal()}), so every database written before the codes were explicit reads back unchanged and the format
   * marker stays DDT1. A new dtype takes the next free code; the switch makes leaving it out a compile error.
   */
  static int code(DataType dtype) {
    return switch (dtype) {
      case FLOAT32 -> 0;
      case FLOAT64 -> 1;
      case INT32 -> 2;
      case INT64 -> 3;
      case UINT8 -> 4;
      case BOOL -> 5;
      case STRING -> 6;
    };
  }

  /** The dtype stored as {@code code} for the tensor {@code name}; the inverse of {@link #code}. */
  static DataType dtype(int code, String name) {
    return switch (code) {
      case 0 -> DataType.FLOAT32;
      case 1 -> DataType.FLOAT64;
      case 2 -> DataType.INT32;
      case 3 -> DataType.INT64;
      case 4 -> DataType.UINT8;
      case 5 -> DataType.BOOL;
      case 6 -> DataType.STRING;
      default -> throw new IllegalArgumentException("dtype code " + code + " of tensor '" + name
          + "' is unknown; expected 0 to 6 (FLOAT32, FLOAT64, INT32, INT64, UINT8, BOOL, STRING)");
    };
  }

  private static void copyToLittleEndian(DataType dtype, ByteBuffer src, ByteBuffer dst) {
    switch (dtype.byteSize()) {
      case 8:
        while (src.hasRemaining()) {
          dst.putLong(src.getLong());
        }
        break;
      case 4:
        while (src.hasRemaining()) {
          dst.putInt(src.getInt());
        }
        break;
      default:
        dst.put(src);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(ByteBuffer in) {
    int len = in.getInt();
    if (len < 0 || len > in.remaining()) {
      throw new IllegalArgumentException("string length " + len + " is corrupt");
    }
    byte[] b = new byte[len];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
