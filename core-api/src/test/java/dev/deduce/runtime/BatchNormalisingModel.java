package dev.deduce.runtime;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.LoadedModel;
import java.util.List;

/**
 * y = x minus the mean of x over the batch, per column, over FLOAT32 {@code [batch, 4]}: its answers depend on what
 * else is in the batch, as a model that normalises or quantises over the batch does.
 */
final class BatchNormalisingModel implements LoadedModel {

  private final ModelSignature signature = new ModelSignature(List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 4)),
      List.of(TensorSpec.of("y", DataType.FLOAT32, -1, 4)), true);

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    Tensor x = inputs.get("x");
    int rows = (int) x.dim(0);
    float[] v = x.toFloatArray();
    float[] y = new float[v.length];
    for (int c = 0; c < 4; c++) {
      double mean = 0;
      for (int r = 0; r < rows; r++) {
        mean += v[r * 4 + c] / rows;
      }
      for (int r = 0; r < rows; r++) {
        y[r * 4 + c] = (float) (v[r * 4 + c] + 1 - mean); // + 1 so a row alone answers 1, not 0
      }
    }
    return NamedTensors.of("y", Tensor.ofFloats(y, rows, 4));
  }

  @Override
  public void close() {
  }
}
