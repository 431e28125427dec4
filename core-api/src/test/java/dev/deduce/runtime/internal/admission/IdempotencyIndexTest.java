package dev.deduce.runtime.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class IdempotencyIndexTest {

  private static final int KIB_64 = 64 * 1024;

  private static InferenceResult result(String id, int bytes) {
    NamedTensors out = NamedTensors.of("y", Tensor.ofFloats(new float[bytes / 4], bytes / 4));
    return new InferenceResult(id, "m", "1", out, Duration.ZERO, Duration.ZERO, Duration.ZERO, 1, 1);
  }

  @Test
  void finishedResultsAreForgottenOldestFirstOnceTheirBytesPassTheBound() {
    IdempotencyIndex index = new IdempotencyIndex(4L * KIB_64 + 10_000);
    for (int i = 0; i < 100; i++) {
      CompletableFuture<InferenceResult> f = new CompletableFuture<>();
      assertThat(index.putIfAbsent("m", "k" + i, f)).isNull();
      f.complete(result("r" + i, KIB_64));
    }
    assertThat(index.bytes()).isLessThanOrEqualTo(4L * KIB_64 + 10_000);
    assertThat(index.size()).isEqualTo(4);
    // the newest are still answered from memory, the oldest are not (the store answers those)
    assertThat(index.putIfAbsent("m", "k99", new CompletableFuture<>())).isNotNull();
    assertThat(index.putIfAbsent("m", "k0", new CompletableFuture<>())).isNull();
  }

  @Test
  void aRequestStillRunningIsNeverForgottenWhateverTheBound() {
    IdempotencyIndex index = new IdempotencyIndex(0);
    CompletableFuture<InferenceResult> running = new CompletableFuture<>();
    index.putIfAbsent("m", "running", running);
    List<CompletableFuture<InferenceResult>> done = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      CompletableFuture<InferenceResult> f = new CompletableFuture<>();
      index.putIfAbsent("m", "k" + i, f);
      done.add(f);
    }
    done.forEach(f -> f.complete(result("r", KIB_64)));

    assertThat(index.putIfAbsent("m", "running", new CompletableFuture<>())).isSameAs(running);
    assertThat(index.size()).isEqualTo(1);
    running.complete(result("r", 16));
    assertThat(index.putIfAbsent("m", "running", new CompletableFuture<>())).isNull();
  }

  @Test
  void aRemovedRequestGivesBackItsBytes() {
    IdempotencyIndex index = new IdempotencyIndex(1 << 20);
    CompletableFuture<InferenceResult> f = new CompletableFuture<>();
    index.putIfAbsent("m", "k", f);
    assertThat(index.bytes()).isPositive();
    index.remove("m", "k", f);
    assertThat(index.bytes()).isZero();
    assertThat(index.size()).isZero();
  }
}
