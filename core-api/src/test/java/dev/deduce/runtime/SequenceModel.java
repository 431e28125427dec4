package dev.deduce.runtime;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.LoadedModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A small sequence model in plain Java, shaped like a BERT encoder's interface: {@code input_ids} and
 * {@code attention_mask} INT64 {@code [batch, sequence]} in; {@code tokens} FLOAT32 {@code [batch, sequence]} (each
 * attended id halved, 0 where masked) and {@code mean} FLOAT32 {@code [batch]} (the mean attended id) out. When it
 * ignores the mask, padding changes its mean, as a model that does not honour the mask would.
 */
final class SequenceModel implements LoadedModel {

  private static final List<String> DIMS = List.of("batch", "sequence");

  /** The shape of {@code input_ids} of every run. */
  final List<List<Long>> runs = Collections.synchronizedList(new ArrayList<>());
  private final boolean honoursMask;
  private final ModelSignature signature = new ModelSignature(
      List.of(new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1}, DIMS),
          new TensorSpec("attention_mask", DataType.INT64, new long[] {-1, -1}, DIMS)),
      List.of(new TensorSpec("tokens", DataType.FLOAT32, new long[] {-1, -1}, DIMS),
          new TensorSpec("mean", DataType.FLOAT32, new long[] {-1}, List.of("batch"))), true);

  SequenceModel(boolean honoursMask) {
    this.honoursMask = honoursMask;
  }

  /** One request of ids {@code first, first+1, ...}, {@code length} long, every token attended. */
  static NamedTensors request(int length, long first) {
    long[] ids = new long[length];
    long[] mask = new long[length];
    for (int i = 0; i < length; i++) {
      ids[i] = first + i;
      mask[i] = 1;
    }
    return NamedTensors.of("input_ids", Tensor.ofLongs(ids, 1, length), "attention_mask",
        Tensor.ofLongs(mask, 1, length));
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    signature.validate(inputs, Long.MAX_VALUE);
    Tensor idsT = inputs.get("input_ids");
    runs.add(List.of(idsT.dim(0), idsT.dim(1)));
    int rows = (int) idsT.dim(0);
    int len = (int) idsT.dim(1);
    long[] ids = idsT.toLongArray();
    long[] mask = inputs.get("attention_mask").toLongArray();
    float[] tokens = new float[rows * len];
    float[] mean = new float[rows];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      double count = 0;
      for (int i = 0; i < len; i++) {
        int k = r * len + i;
        tokens[k] = ids[k] * mask[k] * 0.5f;
        long m = honoursMask ? mask[k] : 1;
        sum += ids[k] * m;
        count += m;
      }
      mean[r] = (float) (sum / count);
    }
    return NamedTensors.of("tokens", Tensor.ofFloats(tokens, rows, len), "mean", Tensor.ofFloats(mean, rows));
  }

  @Override
  public void close() {
  }
}
