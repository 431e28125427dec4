package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.Tensor;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.Pipeline;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Datalog history query core-api's MODEL-REPOSITORY.md gives, run on a pipeline request the runtime stored. */
class PipelineHistoryTest {

  /** A pipeline request and its steps: the steps' idempotency keys start with {@code pipeline/<request id>/}. */
  static final String HISTORY = """
      ?[id, model, status, idem] := *deduce_request{id, model, status, idem}, id == $id
      ?[id, model, status, idem] := *deduce_request{id, model, status, idem}, is_string(idem),
          starts_with(idem, $steps)""";

  @TempDir
  Path dir;

  @Test
  void aPipelineRequestAndItsStepsAreFoundByTheRequestIdInDatalog() throws InterruptedException {
    Store store = new CozoStoreProvider().open(new StoreConfig(dir, Map.of()));
    ModelSettings settings = ModelSettings.builder().checkInvariance(false).build();
    try (DeduceRuntime runtime = DeduceRuntime.builder().settings(RuntimeSettings.defaults())
        .durability(Durability.DURABLE).store(store).build()) {
      runtime.deploy("s1", "1", doubler(), settings);
      runtime.deploy("s2", "1", doubler(), settings);
      runtime.deploy("pipe", "1", Pipeline.builder().model("s1", "s1", null, Map.of("x", "input.x"))
          .model("s2", "s2", null, Map.of("x", "s1.y")).output("y", "s2.y").build().bind(runtime, "pipe"), settings);
      runtime.infer("pipe", null, NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 4)),
          RequestOptions.builder().idempotencyKey("order-1").build());
      String id = DeduceRuntime.requestIdFor("pipe", "order-1");

      Map<String, Object> params = Map.of("id", id, "steps", "pipeline/" + id + "/");
      // DURABLE stores the request before the answer and its result just after: wait for the result's write
      List<Map<String, Object>> rows = store.nativeQuery().orElseThrow().query(HISTORY, params);
      for (long until = System.nanoTime() + 10_000_000_000L; rows.stream().anyMatch(r -> !"DONE".equals(
          r.get("status"))) && System.nanoTime() < until; ) {
        Thread.sleep(20);
        rows = store.nativeQuery().orElseThrow().query(HISTORY, params);
      }

      assertThat(rows).extracting(r -> r.get("model"), r -> r.get("status")).containsExactlyInAnyOrder(
          tuple("pipe", "DONE"), tuple("s1", "DONE"), tuple("s2", "DONE"));
    }
  }

  /** y = x + x over FLOAT32 [batch, 4]. */
  private static LoadedModel doubler() {
    return ReferenceEngine.wrap(ReferenceGraph.builder("doubler").input("x", DataType.FLOAT32, -1, 4)
        .op(ReferenceGraph.Op.ADD, "y", "x", "x").output("y").build());
  }
}
