package dev.deduce.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.spi.LoadedModel;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Shared models, inputs and runtime set-up for the runtime tests. */
public final class Fixtures {

  static final String MODEL = "doubler";

  private Fixtures() {}

  /** y = x + x over FLOAT32 [batch, 4]: every row's output identifies its input. */
  static ReferenceGraph doubler() {
    return ReferenceGraph.builder(MODEL).input("x", DataType.FLOAT32, -1, 4)
        .op(ReferenceGraph.Op.ADD, "y", "x", "x").output("y").build();
  }

  /** y = x + x over FLOAT32 [batch, any width], so requests can differ in a non-batch dimension. */
  static ReferenceGraph ragged() {
    return ReferenceGraph.builder("ragged").input("x", DataType.FLOAT32, -1, -1)
        .op(ReferenceGraph.Op.ADD, "y", "x", "x").output("y").build();
  }

  public static LoadedModel doublerModel() {
    return ReferenceEngine.wrap(doubler());
  }

  /** One row [base, base+1, base+2, base+3]. */
  static NamedTensors row(float base) {
    return rows(1, base, 4);
  }

  /** {@code n} rows of {@code width} consecutive values starting at {@code base}. */
  static NamedTensors rows(int n, float base, int width) {
    float[] v = new float[n * width];
    for (int i = 0; i < v.length; i++) {
      v[i] = base + i;
    }
    return NamedTensors.of("x", Tensor.ofFloats(v, n, width));
  }

  /** What the doubler returns for {@code rows(n, base, width)}. */
  static float[] doubled(int n, float base, int width) {
    float[] v = new float[n * width];
    for (int i = 0; i < v.length; i++) {
      v[i] = 2 * (base + i);
    }
    return v;
  }

  /** Bundled defaults, durability NONE, no store: a runtime needing only a model. */
  static DeduceRuntime.Builder runtime() {
    return DeduceRuntime.builder().settings(RuntimeSettings.defaults()).durability(Durability.NONE);
  }

  /**
   * Fast settings for tests: short backoff, short batching delay, and no invariance check at deploy, whose runs
   * would show in the tests that count runs and batch sizes (its own tests turn it on).
   */
  public static ModelSettings.Builder settings() {
    return ModelSettings.builder().retryInitialBackoff(Duration.ofMillis(1)).retryMaxBackoff(Duration.ofMillis(5))
        .maxQueueDelay(Duration.ofMillis(1)).checkInvariance(false);
  }

  static void eventually(BooleanSupplier condition, String what) {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - until > 0) {
        assertThat(condition.getAsBoolean()).as("within 10 s: " + what).isTrue();
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
