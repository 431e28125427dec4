package dev.deduce.engine.tf;

import dev.deduce.api.DataType;
import dev.deduce.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.tensorflow.RawTensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.DataStorageVisitor;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * Moves tensors between Deduce and TensorFlow.
 *
 * <p>TensorFlow only runs on memory it allocated itself (TF Java has no public way to adopt a caller's buffer, and
 * TensorFlow wants 64-byte alignment a direct buffer does not promise), so each numeric input costs exactly one
 * bulk copy into a fresh TensorFlow tensor, and each output one bulk copy out. Both go through a direct-buffer view
 * of the tensor's native memory: TF Java's own {@code DataBuffers.of(ByteBuffer)} to raw-tensor copy falls back to
 * one element at a time.
 */
final class TfTensors {

  private TfTensors() {}

  /** The Deduce dtype of a TensorFlow dtype, if Deduce carries it. */
  static Optional<DataType> dtype(org.tensorflow.proto.DataType type) {
    switch (type) {
      case DT_FLOAT: return Optional.of(DataType.FLOAT32);
      case DT_DOUBLE: return Optional.of(DataType.FLOAT64);
      case DT_INT32: return Optional.of(DataType.INT32);
      case DT_INT64: return Optional.of(DataType.INT64);
      case DT_UINT8: return Optional.of(DataType.UINT8);
      case DT_BOOL: return Optional.of(DataType.BOOL);
      case DT_STRING: return Optional.of(DataType.STRING);
      default: return Optional.empty();
    }
  }

  /** The TF Java tensor type of a Deduce dtype. */
  static Class<? extends TType> type(DataType dtype) {
    switch (dtype) {
      case FLOAT32: return TFloat32.class;
      case FLOAT64: return TFloat64.class;
      case INT32: return TInt32.class;
      case INT64: return TInt64.class;
      case UINT8: return TUint8.class;
      case BOOL: return TBool.class;
      default: return TString.class;
    }
  }

  /** A new TensorFlow tensor holding {@code t}'s elements; the caller closes it. */
  static org.tensorflow.Tensor toTf(Tensor t) {
    Shape shape = Shape.of(t.shape());
    if (t.dtype() == DataType.STRING) {
      DataBuffer<String> strings = DataBuffers.ofObjects(t.toStringArray());
      return TString.tensorOf(shape, strings);
    }
    ByteBuffer src = t.buffer();
    org.tensorflow.Tensor tf = org.tensorflow.Tensor.of(type(t.dtype()), shape, src.remaining());
    try {
      if (src.remaining() > 0) {
        view(tf.asRawTensor()).put(src);
      }
      return tf;
    } catch (RuntimeException e) {
      tf.close();
      throw e;
    }
  }

  /** Copies a TensorFlow tensor into a Deduce tensor of {@code dtype}. */
  static Tensor fromTf(org.tensorflow.Tensor tf, DataType dtype) {
    long[] shape = tf.shape().asArray();
    if (dtype == DataType.STRING) {
      String[] values = new String[Math.toIntExact(tf.shape().size())];
      ((TString) tf).copyTo(DataBuffers.of(values, false, false));
      return Tensor.ofStrings(values, shape);
    }
    RawTensor raw = tf.asRawTensor();
    ByteBuffer bytes = raw.numBytes() == 0 ? ByteBuffer.allocateDirect(0) : view(raw);
    return Tensor.fromBuffer(dtype, bytes, shape);
  }

  /** A native-order direct buffer over the tensor's own memory; valid until the tensor is closed. */
  private static ByteBuffer view(RawTensor raw) {
    long bytes = raw.numBytes();
    long address = raw.data().accept(new DataStorageVisitor<Long>() {
      @Override
      public Long visit(long addr, long size, long scale) {
        return addr;
      }

      @Override
      public Long fallback() {
        throw new IllegalStateException("TensorFlow tensor memory is not native memory; expected a raw tensor");
      }
    });
    BytePointer view = new BytePointer(new Address(address)).capacity(bytes).limit(bytes);
    return view.asByteBuffer().order(ByteOrder.nativeOrder());
  }

  /** A JavaCPP pointer to memory TensorFlow owns; JavaCPP offers no other way to name a raw address. */
  private static final class Address extends Pointer {
    Address(long address) {
      this.address = address;
    }
  }
}
