package dev.deduce.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GuardedModelTest {

  private static final ModelSignature SIG = ModelSignature.batchedWhenDynamic(
      List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 2)), List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 2)));

  /** Echoes its input; a latch holds runs inside so close can be raced against them. */
  private static final class Echo extends GuardedModel {
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch proceed;
    volatile int runningAtRelease = -1;

    Echo(CountDownLatch proceed) {
      super("echo", SIG);
      this.proceed = proceed;
    }

    @Override
    protected NamedTensors runValidated(NamedTensors inputs) {
      running.incrementAndGet();
      try {
        entered.countDown();
        proceed.await();
        return inputs;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EngineException("interrupted", e);
      } finally {
        running.decrementAndGet();
      }
    }

    @Override
    protected void release() {
      runningAtRelease = running.get();
      releases.incrementAndGet();
    }
  }

  private static NamedTensors rows(int n) {
    return NamedTensors.of("x", Tensor.ofFloats(new float[n * 2], n, 2));
  }

  @Test
  void inputsAreValidatedBeforeTheEngineSeesThem() {
    Echo m = new Echo(new CountDownLatch(0));
    assertThat(m.run(rows(2)).get("x").shape()).containsExactly(2, 2);
    // no element limit here (that is the runtime's max-elements setting): only the signature is checked
    assertThat(m.run(rows(3)).get("x").shape()).containsExactly(3, 2);
    assertThatThrownBy(() -> m.run(NamedTensors.of("x", Tensor.ofFloats(new float[3], 1, 3))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("[1, 3]").hasMessageContaining("[-1, 2]");
    assertThatThrownBy(() -> m.run(NamedTensors.of("y", Tensor.zeros(DataType.FLOAT32, 1, 2))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'y'");
  }

  @Test
  void anAdmittedRunSkipsTheSecondValidationButNotTheClosedCheck() {
    Echo m = new Echo(new CountDownLatch(0));
    // the runtime validated this batch on admission; GuardedModel does not check it again
    NamedTensors unchecked = NamedTensors.of("x", Tensor.ofFloats(new float[3], 1, 3));
    assertThat(m.runAdmitted(unchecked)).isEqualTo(unchecked);
    m.close();
    assertThatThrownBy(() -> m.runAdmitted(rows(1))).isInstanceOf(EngineException.class)
        .hasMessageContaining("model 'echo' is closed");
  }

  @Test
  void closeWaitsForARunInFlightReleasesOnceAndThenRefusesRuns() throws Exception {
    CountDownLatch proceed = new CountDownLatch(1);
    Echo m = new Echo(proceed);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<NamedTensors> run = pool.submit(() -> m.run(rows(1)));
      assertThat(m.entered.await(10, TimeUnit.SECONDS)).isTrue();
      Future<?> close = pool.submit(m::close);
      Thread.sleep(50);
      assertThat(close).isNotDone();
      proceed.countDown();
      run.get(10, TimeUnit.SECONDS);
      close.get(10, TimeUnit.SECONDS);
      m.close();
      assertThat(m.releases).hasValue(1);
      assertThat(m.runningAtRelease).isZero();
      assertThatThrownBy(() -> m.run(rows(1))).isInstanceOf(EngineException.class)
          .hasMessageContaining("model 'echo' is closed");
    } finally {
      pool.shutdownNow();
    }
  }
}
