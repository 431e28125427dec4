package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.OverloadedException;
import dev.deduce.api.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PriorityTest {

  /** Every run's first input value, in run order: tells which request ran when. */
  private final List<Float> order = Collections.synchronizedList(new ArrayList<>());

  private TestModel recording() {
    return new TestModel(Fixtures.doublerModel()).holdCall(1).failingOn((n, in) -> {
      order.add(in.get("x").toFloatArray()[0]);
      return null;
    });
  }

  private static RequestOptions at(int level) {
    return RequestOptions.builder().priority(level).build();
  }

  private static ModelSettings.Builder oneByOne(int levels) {
    return Fixtures.settings().batchingEnabled(false).priorityLevels(levels, 0);
  }

  private static void all(List<CompletableFuture<InferenceResult>> fs) throws Exception {
    for (CompletableFuture<InferenceResult> f : fs) {
      f.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void higherLevelsAreTakenFirst() throws Exception {
    TestModel model = recording();
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, oneByOne(3).build());
      List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
      fs.add(rt.submit(MODEL, null, rows(1, 0, 4), at(0)));
      model.awaitHeld();
      fs.add(rt.submit(MODEL, null, rows(1, 10, 4), at(0)));
      fs.add(rt.submit(MODEL, null, rows(1, 20, 4), at(0)));
      fs.add(rt.submit(MODEL, null, rows(1, 30, 4), at(1)));
      fs.add(rt.submit(MODEL, null, rows(1, 40, 4), at(2)));
      model.release();
      all(fs);
      assertThat(order).containsExactly(0f, 40f, 30f, 10f, 20f);
    }
  }

  @Test
  void aWaitingLowLevelIsServedAfterAtMostTheStarvationLimitOfBatches() throws Exception {
    TestModel model = recording();
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, oneByOne(2).set("priority.starvation-limit", 2).build());
      List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
      fs.add(rt.submit(MODEL, null, rows(1, 0, 4), at(1)));
      model.awaitHeld();
      fs.add(rt.submit(MODEL, null, rows(1, 1, 4), at(0)));
      for (int i = 0; i < 5; i++) {
        fs.add(rt.submit(MODEL, null, rows(1, 100 + i, 4), at(1)));
      }
      model.release();
      all(fs);
      // two high batches pass the low request over, then it goes
      assertThat(order).containsExactly(0f, 100f, 101f, 1f, 102f, 103f, 104f);
    }
  }

  @Test
  void eachLevelHasItsOwnQueueBoundAndOverloadAnswer() throws Exception {
    TestModel model = recording();
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, oneByOne(2).queueCapacity(1).priorityQueue(1, 2, Duration.ZERO).build());
      List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
      fs.add(rt.submit(MODEL, null, rows(1, 0, 4), at(0)));
      model.awaitHeld();
      fs.add(rt.submit(MODEL, null, rows(1, 1, 4), at(0)));
      assertThatThrownBy(() -> rt.submit(MODEL, null, rows(1, 2, 4), at(0)).join())
          .hasCauseInstanceOf(OverloadedException.class)
          .hasMessageContaining("queue of model 'doubler' at priority level 0 is full (1 requests)")
          .hasMessageContaining("raise priority.queues.0.capacity");
      fs.add(rt.submit(MODEL, null, rows(1, 3, 4), at(1)));
      fs.add(rt.submit(MODEL, null, rows(1, 4, 4), at(1)));
      assertThatThrownBy(() -> rt.submit(MODEL, null, rows(1, 5, 4), at(1)).join())
          .hasCauseInstanceOf(OverloadedException.class)
          .hasMessageContaining("at priority level 1 is full (2 requests)");
      model.release();
      all(fs);
      assertThat(order).containsExactly(0f, 3f, 4f, 1f);
    }
  }

  @Test
  void aRequestWithoutALevelTakesTheDefaultLevel() throws Exception {
    TestModel model = recording();
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().batchingEnabled(false).priorityLevels(2, 1).build());
      List<CompletableFuture<InferenceResult>> fs = new ArrayList<>();
      fs.add(rt.submit(MODEL, rows(1, 0, 4)));
      model.awaitHeld();
      fs.add(rt.submit(MODEL, null, rows(1, 1, 4), at(0)));
      fs.add(rt.submit(MODEL, rows(1, 2, 4))); // default level 1: ahead of level 0
      model.release();
      all(fs);
      assertThat(order).containsExactly(0f, 2f, 1f);
    }
  }

  @Test
  void aLevelAboveTheHighestIsInvalidInput() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().priorityLevels(2, 0).build());
      assertThatThrownBy(() -> rt.infer(MODEL, null, rows(1, 0, 4), at(2)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("priority 2 is above the highest level of model 'doubler' version '1'; expected 0"
              + " to 1 (its priority.levels is 2)");
    }
    assertThatThrownBy(() -> RequestOptions.builder().priority(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("priority is -1; expected a level of 0 (the lowest) or more");
  }

  @Test
  void badPrioritySettingsAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> Fixtures.settings().priorityLevels(0, 0).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("priority.levels");
    assertThatThrownBy(() -> Fixtures.settings().priorityLevels(2, 2).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("priority.default-level");
    assertThatThrownBy(() -> Fixtures.settings().priorityLevels(2, 0).priorityQueue(5, 1, Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("priority.queues")
        .hasMessageContaining("levels 0 to 1 (priority.levels is 2)");
    assertThatThrownBy(() -> Fixtures.settings().set("priority.starvation-limit", 0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("priority.starvation-limit");
  }
}
