package dev.deduce.perf.modelkit;

import dev.deduce.api.DataType;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.reference.ReferenceGraph.Op;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The reference models every engine is held to, defined once; writers turn them into engine formats.
 *
 * <p>Weights come from {@link SplittableRandom} with fixed seeds, so every run and every engine sees the same model.
 */
public final class ModelKit {

  /** Identity of FLOAT32 [-1, 4]: {@code x -> y}. */
  public static final String IDENTITY = "identity";
  /** Elementwise sum of two FLOAT32 [-1, 8] inputs: {@code x, y -> sum}. */
  public static final String ADD = "add";
  /** 16 -> 32 (relu) -> 4 (softmax): {@code x -> probs}. */
  public static final String MLP_SMALL = "mlp-small";
  /** 256 -> 1024 (relu) -> 1024 (relu) -> 10 (softmax), for performance work: {@code x -> probs}. */
  public static final String MLP_LARGE = "mlp-large";
  /** Elementwise sum of two INT64 [-1, 8] inputs: {@code a, b -> sum}. */
  public static final String ADD_INT64 = "add-int64";
  /** 8 -> 5 with two outputs, FLOAT32 {@code probs} and INT64 {@code label} (the argmax). */
  public static final String MULTI_OUTPUT = "multi-output";

  private ModelKit() {}

  /** Identity of FLOAT32 [-1, 4]. */
  public static ReferenceModel identity() {
    return model(IDENTITY, ReferenceGraph.builder(IDENTITY)
        .input("x", DataType.FLOAT32, -1, 4).op(Op.IDENTITY, "y", "x").output("y").build());
  }

  /** Identity of {@code dtype} [-1, 4], named {@code identity-<dtype>}; proves an engine carries every dtype. */
  public static ReferenceModel identity(DataType dtype) {
    String name = IDENTITY + "-" + dtype.name().toLowerCase(Locale.ROOT);
    return model(name, ReferenceGraph.builder(name)
        .input("x", dtype, -1, 4).op(Op.IDENTITY, "y", "x").output("y").build());
  }

  /** Elementwise sum of two FLOAT32 [-1, 8] inputs. */
  public static ReferenceModel add() {
    return model(ADD, ReferenceGraph.builder(ADD)
        .input("x", DataType.FLOAT32, -1, 8).input("y", DataType.FLOAT32, -1, 8)
        .op(Op.ADD, "sum", "x", "y").output("sum").build());
  }

  /** 16 -> 32 (relu) -> 4 (softmax). */
  public static ReferenceModel mlpSmall() {
    SplittableRandom w = new SplittableRandom(16_32_4L);
    return model(MLP_SMALL, ReferenceGraph.builder(MLP_SMALL)
        .input("x", DataType.FLOAT32, -1, 16)
        .dense("h", "x", 32, weights(w, 16, 32), weights(w, 1, 32))
        .op(Op.RELU, "h_relu", "h")
        .dense("logits", "h_relu", 4, weights(w, 32, 4), weights(w, 1, 4))
        .op(Op.SOFTMAX, "probs", "logits")
        .output("probs").build());
  }

  /** 256 -> 1024 (relu) -> 1024 (relu) -> 10 (softmax), about 1.3 M weights. */
  public static ReferenceModel mlpLarge() {
    SplittableRandom w = new SplittableRandom(256_1024_10L);
    return model(MLP_LARGE, ReferenceGraph.builder(MLP_LARGE)
        .input("x", DataType.FLOAT32, -1, 256)
        .dense("h1", "x", 1024, weights(w, 256, 1024), weights(w, 1, 1024))
        .op(Op.RELU, "h1_relu", "h1")
        .dense("h2", "h1_relu", 1024, weights(w, 1024, 1024), weights(w, 1, 1024))
        .op(Op.RELU, "h2_relu", "h2")
        .dense("logits", "h2_relu", 10, weights(w, 1024, 10), weights(w, 1, 10))
        .op(Op.SOFTMAX, "probs", "logits")
        .output("probs").build());
  }

  /** Elementwise sum of two INT64 [-1, 8] inputs. */
  public static ReferenceModel addInt64() {
    return model(ADD_INT64, ReferenceGraph.builder(ADD_INT64)
        .input("a", DataType.INT64, -1, 8).input("b", DataType.INT64, -1, 8)
        .op(Op.ADD, "sum", "a", "b").output("sum").build());
  }

  /** 8 -> 5 with outputs {@code probs} (softmax, FLOAT32) and {@code label} (argmax, INT64). */
  public static ReferenceModel multiOutput() {
    SplittableRandom w = new SplittableRandom(8_5L);
    return model(MULTI_OUTPUT, ReferenceGraph.builder(MULTI_OUTPUT)
        .input("x", DataType.FLOAT32, -1, 8)
        .dense("logits", "x", 5, weights(w, 8, 5), weights(w, 1, 5))
        .op(Op.SOFTMAX, "probs", "logits")
        .op(Op.ARGMAX, "label", "logits")
        .output("probs").output("label").build());
  }

  /** The models the engine contract runs: every one but {@link #mlpLarge()}, which is for benchmarks. */
  public static List<ReferenceModel> contractModels() {
    return List.of(identity(), add(), mlpSmall(), addInt64(), multiOutput());
  }

  /** The model called {@code name}, one of this class's constants. */
  public static ReferenceModel byName(String name) {
    switch (name) {
      case IDENTITY: return identity();
      case ADD: return add();
      case MLP_SMALL: return mlpSmall();
      case MLP_LARGE: return mlpLarge();
      case ADD_INT64: return addInt64();
      case MULTI_OUTPUT: return multiOutput();
      default:
        throw new IllegalArgumentException("no reference model '" + name + "'; expected one of " + List.of(IDENTITY,
            ADD, MLP_SMALL, MLP_LARGE, ADD_INT64, MULTI_OUTPUT));
    }
  }

  private static ReferenceModel model(String name, ReferenceGraph graph) {
    return new ReferenceModel(name, graph, name.hashCode());
  }

  // Uniform in ±1/sqrt(fanIn) keeps activations near unit scale, so float32 engines agree to ~1e-6.
  private static float[] weights(SplittableRandom random, int fanIn, int units) {
    double scale = 1 / Math.sqrt(Math.max(fanIn, 16));
    float[] w = new float[fanIn * units];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextDouble(-1, 1) * scale);
    }
    return w;
  }
}
