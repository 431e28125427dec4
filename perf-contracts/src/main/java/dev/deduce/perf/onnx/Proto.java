package dev.deduce.perf.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** One protobuf message being encoded; nested messages are encoded first and embedded as length-delimited bytes. */
final class Proto {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  Proto varint(int field, long value) {
    try {
      out.writeInt64(field, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  Proto string(int field, String value) {
    try {
      out.writeString(field, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  Proto bytes(int field, byte[] value) {
    try {
      out.writeByteArray(field, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  Proto message(int field, Proto value) {
    return bytes(field, value.toByteArray());
  }

  /** Appends {@code other}'s fields as they are, so a message can be built in parts. */
  Proto bytesOf(Proto other) {
    try {
      out.writeRawBytes(other.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  byte[] toByteArray() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
