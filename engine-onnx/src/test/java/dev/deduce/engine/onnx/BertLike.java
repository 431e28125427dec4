package dev.deduce.engine.onnx;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.perf.onnx.OnnxGraph;
import dev.deduce.perf.onnx.OnnxGraph.Attribute;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A BERT-like ONNX model written in code (no torch export is possible here): token embeddings, a projection, one
 * masked self-attention layer and masked mean pooling. Inputs {@code input_ids} and {@code attention_mask} are INT64
 * {@code [batch, sequence]}; outputs {@code last_hidden_state} {@code [batch, sequence, 4]} and {@code pooled}
 * {@code [batch, 4]}. Attention and pooling honour the mask, so padding a request with masked tokens leaves its
 * answer unchanged, as in BERT; a token id of {@value #VOCAB} or more makes ONNX Runtime's Gather fail.
 */
final class BertLike {

  static final int VOCAB = 10;
  static final int HIDDEN = 4;
  private static final List<String> DIMS = List.of("batch", "sequence");

  private BertLike() {}

  static Path write(Path folder) throws IOException {
    SplittableRandom r = new SplittableRandom(23);
    return OnnxGraph.named("bert-like")
        .input(new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1}, DIMS))
        .input(new TensorSpec("attention_mask", DataType.INT64, new long[] {-1, -1}, DIMS))
        .output(new TensorSpec("last_hidden_state", DataType.FLOAT32, new long[] {-1, -1, HIDDEN},
            List.of("batch", "sequence", "")))
        .output(new TensorSpec("pooled", DataType.FLOAT32, new long[] {-1, HIDDEN}, List.of("batch", "")))
        .floats("embedding", random(r, VOCAB * HIDDEN), VOCAB, HIDDEN)
        .floats("w", random(r, HIDDEN * HIDDEN), HIDDEN, HIDDEN)
        .floats("one", new float[] {1f})
        .floats("masked_score", new float[] {-10_000f})
        .longs("axis1", new long[] {1}, 1)
        .longs("axis2", new long[] {2}, 1)
        .node("Gather", List.of("embedding", "input_ids"), "tokens")
        .node("MatMul", List.of("tokens", "w"), "projected")
        .node("Tanh", List.of("projected"), "h")
        .node("Transpose", List.of("h"), "h_t", Attribute.ints("perm", 0, 2, 1))
        .node("MatMul", List.of("h", "h_t"), "scores")
        .node("Cast", List.of("attention_mask"), "mask", Attribute.of("to", 1))
        .node("Unsqueeze", List.of("mask", "axis1"), "key_mask")
        .node("Sub", List.of("one", "key_mask"), "key_padding")
        .node("Mul", List.of("key_padding", "masked_score"), "score_bias")
        .node("Add", List.of("scores", "score_bias"), "biased")
        .node("Softmax", List.of("biased"), "attention", Attribute.of("axis", -1))
        .node("MatMul", List.of("attention", "h"), "last_hidden_state")
        .node("Unsqueeze", List.of("mask", "axis2"), "token_mask")
        .node("Mul", List.of("last_hidden_state", "token_mask"), "kept")
        .node("ReduceSum", List.of("kept", "axis1"), "summed", Attribute.of("keepdims", 0))
        .node("ReduceSum", List.of("token_mask", "axis1"), "count", Attribute.of("keepdims", 0))
        .node("Div", List.of("summed", "count"), "pooled")
        .write(folder);
  }

  /** One request of {@code length} tokens, every one attended, ids from {@code seed}. */
  static NamedTensors request(int length, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] ids = new long[length];
    long[] mask = new long[length];
    for (int i = 0; i < length; i++) {
      ids[i] = r.nextInt(VOCAB);
      mask[i] = 1;
    }
    return NamedTensors.of("input_ids", Tensor.ofLongs(ids, 1, length), "attention_mask",
        Tensor.ofLongs(mask, 1, length));
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }
}
