package dev.deduce.engine.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import dev.deduce.api.DataType;
import dev.deduce.api.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Moves tensors between Deduce and ONNX Runtime. */
final class OrtTensors {

  private OrtTensors() {}

  /** The Deduce dtype of an ONNX element type, if Deduce carries it. */
  static Optional<DataType> dtype(OnnxTensorType type) {
    switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return Optional.of(DataType.FLOAT32);
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return Optional.of(DataType.FLOAT64);
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return Optional.of(DataType.INT32);
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return Optional.of(DataType.INT64);
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return Optional.of(DataType.UINT8);
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return Optional.of(DataType.BOOL);
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING: return Optional.of(DataType.STRING);
      default: return Optional.empty();
    }
  }

  /**
   * An ONNX Runtime tensor over {@code t}'s own direct buffer: ONNX Runtime uses a direct buffer in place, so numeric
   * inputs are not copied. The tensor must be closed after the run; {@code t} must stay reachable until then.
   */
  static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
    long[] shape = t.shape();
    switch (t.dtype()) {
      case FLOAT32: return OnnxTensor.createTensor(env, t.buffer().asFloatBuffer(), shape);
      case FLOAT64: return OnnxTensor.createTensor(env, t.buffer().asDoubleBuffer(), shape);
      case INT32: return OnnxTensor.createTensor(env, t.buffer().asIntBuffer(), shape);
      case INT64: return OnnxTensor.createTensor(env, t.buffer().asLongBuffer(), shape);
      case UINT8: return OnnxTensor.createTensor(env, t.buffer(), shape, OnnxJavaType.UINT8);
      case BOOL: return OnnxTensor.createTensor(env, t.buffer(), shape, OnnxJavaType.BOOL);
      default: return OnnxTensor.createTensor(env, t.toStringArray(), shape);
    }
  }

  /** Copies an ONNX Runtime output into a Deduce tensor of {@code dtype}. */
  static Tensor fromOrt(OnnxTensor value, DataType dtype) throws OrtException {
    long[] shape = value.getInfo().getShape();
    if (dtype == DataType.STRING) {
      List<String> flat = new ArrayList<>();
      flatten(value.getValue(), flat);
      return Tensor.ofStrings(flat.toArray(new String[0]), shape);
    }
    // getByteBuffer copies the tensor's native bytes, which are in native order whatever order the copy reports.
    ByteBuffer bytes = value.getByteBuffer().order(ByteOrder.nativeOrder());
    return Tensor.fromBuffer(dtype, bytes, shape);
  }

  private static void flatten(Object value, List<String> out) {
    if (value instanceof String) {
      out.add((String) value);
      return;
    }
    for (int i = 0; i < Array.getLength(value); i++) {
      flatten(Array.get(value, i), out);
    }
  }
}
