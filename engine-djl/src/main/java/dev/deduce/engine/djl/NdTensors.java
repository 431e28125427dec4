package dev.deduce.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.deduce.api.DataType;
import dev.deduce.api.Tensor;
import java.util.Optional;

/** Moves tensors between Deduce and DJL. */
final class NdTensors {

  private NdTensors() {}

  /** The DJL dtype of a Deduce dtype, if DJL's PyTorch engine carries it (it has no STRING tensors). */
  static Optional<ai.djl.ndarray.types.DataType> djl(DataType dtype) {
    switch (dtype) {
      case FLOAT32: return Optional.of(ai.djl.ndarray.types.DataType.FLOAT32);
      case FLOAT64: return Optional.of(ai.djl.ndarray.types.DataType.FLOAT64);
      case INT32: return Optional.of(ai.djl.ndarray.types.DataType.INT32);
      case INT64: return Optional.of(ai.djl.ndarray.types.DataType.INT64);
      case UINT8: return Optional.of(ai.djl.ndarray.types.DataType.UINT8);
      case BOOL: return Optional.of(ai.djl.ndarray.types.DataType.BOOLEAN);
      default: return Optional.empty();
    }
  }

  /** The Deduce dtype of a DJL dtype, if Deduce carries it. */
  static Optional<DataType> deduce(ai.djl.ndarray.types.DataType dtype) {
    switch (dtype) {
      case FLOAT32: return Optional.of(DataType.FLOAT32);
      case FLOAT64: return Optional.of(DataType.FLOAT64);
      case INT32: return Optional.of(DataType.INT32);
      case INT64: return Optional.of(DataType.INT64);
      case UINT8: return Optional.of(DataType.UINT8);
      case BOOLEAN: return Optional.of(DataType.BOOL);
      default: return Optional.empty();
    }
  }

  /**
   * An array over {@code t}'s own direct buffer: on CPU PyTorch uses it in place (from_blob), so inputs are not
   * copied. {@code t} must stay reachable until the array's manager closes.
   */
  static NDArray toNd(NDManager manager, Tensor t) {
    ai.djl.ndarray.types.DataType dtype = djl(t.dtype()).orElseThrow(() -> new IllegalArgumentException(
        t.dtype() + " has no DJL PyTorch dtype"));
    return manager.create(t.buffer(), new Shape(t.shape()), dtype);
  }

  /** Copies an array into a Deduce tensor: one copy, from PyTorch's memory straight into the tensor's. */
  static Tensor fromNd(NDArray array, DataType dtype) {
    return Tensor.fromBuffer(dtype, array.toByteBuffer(true), array.getShape().getShape());
  }
}
