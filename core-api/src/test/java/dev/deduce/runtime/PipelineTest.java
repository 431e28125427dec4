package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.DeadlineExceededException;
import dev.deduce.api.EngineException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.api.TransientEngineException;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.spi.StoredRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import dev.deduce.repository.ModelRepository;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineTest {

  static final String PIPE = "pipe";

  /** y = 3x over FLOAT32 [batch, 4], as host code. */
  static final CodeStep TRIPLE = new CodeStep(ModelSignature.batchedWhenDynamic(
      List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 4)), List.of(TensorSpec.of("y", DataType.FLOAT32, -1, 4))),
      in -> {
        float[] x = in.get("x").toFloatArray();
        for (int i = 0; i < x.length; i++) {
          x[i] *= 3;
        }
        return NamedTensors.of("y", Tensor.ofFloats(x, in.get("x").shape()));
      });

  /** triple (code) → doubler → plus 1: y = 6x + 1, and the middle step's output as {@code mid}. */
  static Pipeline threeSteps() {
    return Pipeline.builder()
        .code("pre", "triple", TRIPLE, Map.of("x", "input.x"))
        .model("embed", "doubler", null, Map.of("x", "pre.y"))
        .model("head", "plus", "1", Map.of("x", "embed.y"))
        .output("y", "head.y").output("mid", "embed.y").build();
  }

  private static float[] sixXPlusOne(float base) {
    float[] v = Fixtures.doubled(1, base, 4);
    for (int i = 0; i < v.length; i++) {
      v[i] = 3 * v[i] + 1;
    }
    return v;
  }

  private static void deploySteps(DeduceRuntime rt, dev.deduce.spi.LoadedModel doubler,
      dev.deduce.spi.LoadedModel plus) {
    rt.deploy("doubler", "1", doubler, Fixtures.settings().build());
    rt.deploy("plus", "1", plus, Fixtures.settings().retryMaxAttempts(1).build());
  }

  private static ModelSettings pipelineSettings() {
    return Fixtures.settings().instances(4).build();
  }

  @Test
  void aThreeStepPipelineAnswersAsItsStepsWouldOneAfterAnother() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      deploySteps(rt, Fixtures.doublerModel(), ReferenceEngine.wrap(Repo.plus(1)));
      rt.deploy(PIPE, "1", threeSteps().bind(rt, PIPE), pipelineSettings());
      assertThat(rt.signature(PIPE, null).inputs()).extracting(TensorSpec::name).containsExactly("x");
      assertThat(rt.signature(PIPE, null).outputs()).extracting(TensorSpec::name).containsExactly("y", "mid");
      InferenceResult r = rt.infer(PIPE, rows(1, 1, 4));
      assertThat(r.model()).isEqualTo(PIPE);
      assertThat(r.output("y").toFloatArray()).containsExactly(sixXPlusOne(1));
      assertThat(r.output("mid").toFloatArray()).containsExactly(6, 12, 18, 24);
      for (String step : List.of("pre", "embed", "head")) {
        assertThat(registry.get(MetricNames.PIPELINE_STEP).tag("pipeline", PIPE).tag("step", step).timer().count())
            .as("step %s timed", step).isEqualTo(1);
      }
      assertThat(registry.get(MetricNames.REQUESTS).tag("model", "plus").tag("outcome", "done").counter().count())
          .as("the step ran as a request of its own model").isEqualTo(1.0);
    }
  }

  @Test
  void eachStepHasASpanUnderThePipelineRequestsSpan() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (SdkTracerProvider tracing = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        DeduceRuntime rt = Fixtures.runtime().tracer(tracing.get("test")).build()) {
      deploySteps(rt, Fixtures.doublerModel(), ReferenceEngine.wrap(Repo.plus(1)));
      rt.deploy(PIPE, "1", threeSteps().bind(rt, PIPE), pipelineSettings());
      InferenceResult r = rt.infer(PIPE, rows(1, 1, 4));
      Fixtures.eventually(() -> spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("deduce.request")
          && PIPE.equals(s.getAttributes().get(AttributeKey.stringKey("deduce.model")))).count() == 1,
          "the pipeline request's span ended");
      SpanData request = spans.getFinishedSpanItems().stream().filter(s -> r.requestId().equals(
          s.getAttributes().get(AttributeKey.stringKey("deduce.request.id")))).findFirst().orElseThrow();
      List<SpanData> steps = spans.getFinishedSpanItems().stream()
          .filter(s -> s.getName().equals("deduce.pipeline.step")).toList();
      assertThat(steps).extracting(s -> s.getAttributes().get(AttributeKey.stringKey("deduce.step")))
          .containsExactlyInAnyOrder("pre", "embed", "head");
      assertThat(steps).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(request.getSpanId()));
    }
  }

  @Test
  void stepsThatReadOnlyThePipelineInputsFormIndependentBranches() {
    Pipeline branches = Pipeline.builder()
        .model("a", "doubler", null, Map.of("x", "input.x"))
        .model("b", "plus", null, Map.of("x", "input.x"))
        .output("doubled", "a.y").output("plus1", "b.y").build();
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      deploySteps(rt, Fixtures.doublerModel(), ReferenceEngine.wrap(Repo.plus(1)));
      rt.deploy(PIPE, "1", branches.bind(rt, PIPE), pipelineSettings());
      InferenceResult r = rt.infer(PIPE, rows(1, 0, 4));
      assertThat(r.output("doubled").toFloatArray()).containsExactly(0, 2, 4, 6);
      assertThat(r.output("plus1").toFloatArray()).containsExactly(1, 2, 3, 4);
    }
  }

  @Test
  void concurrentPipelinesBatchTheirStepsInTheStepModelsQueue() throws Exception {
    TestModel doubler = new TestModel(Fixtures.doublerModel()).holdCall(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().meterRegistry(registry).build()) {
      deploySteps(rt, doubler, ReferenceEngine.wrap(Repo.plus(1)));
      rt.deploy(PIPE, "1", threeSteps().bind(rt, PIPE), Fixtures.settings().instances(8).build());
      List<java.util.concurrent.CompletableFuture<InferenceResult>> fs = new java.util.ArrayList<>();
      fs.add(rt.submit(PIPE, rows(1, 0, 4)));
      doubler.awaitHeld(); // the first pipeline's embed step holds the doubler's one instance
      for (int i = 1; i < 8; i++) {
        fs.add(rt.submit(PIPE, rows(1, i, 4)));
      }
      var depth = registry.get(MetricNames.QUEUE_DEPTH).tag("model", "doubler").gauge();
      Fixtures.eventually(() -> depth.value() == 7, "the other pipelines' embed steps queued");
      doubler.release();
      for (int i = 0; i < fs.size(); i++) {
        assertThat(fs.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS).output("y").toFloatArray())
            .containsExactly(sixXPlusOne(i));
      }
      assertThat(doubler.batchRows).as("rows per doubler run: the seven queued steps ran as one batch")
          .containsExactly(1L, 7L);
    }
  }

  @Test
  void aFailingStepIsNamedAndKeepsItsErrorKind() {
    TestModel plus = new TestModel(ReferenceEngine.wrap(Repo.plus(1)))
        .failing(n -> new EngineException("plus kernel crashed"));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      deploySteps(rt, Fixtures.doublerModel(), plus);
      rt.deploy(PIPE, "1", threeSteps().bind(rt, PIPE), Fixtures.settings().retryMaxAttempts(1).build());
      assertThatThrownBy(() -> rt.infer(PIPE, rows(1, 0, 4))).isInstanceOf(EngineException.class)
          .hasMessageContaining("pipeline 'pipe' step 'head' (model 'plus' version '1'): ")
          .hasMessageContaining("plus kernel crashed");
    }
  }

  @Test
  void aRetriedPipelineNeverRerunsTheStepsThatFinished() {
    TestModel doubler = new TestModel(Fixtures.doublerModel());
    TestModel plus = new TestModel(ReferenceEngine.wrap(Repo.plus(1)))
        .failing(n -> n == 1 ? new TransientEngineException("plus busy on run 1") : null);
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      deploySteps(rt, doubler, plus);
      rt.deploy(PIPE, "1", threeSteps().bind(rt, PIPE), Fixtures.settings().retryMaxAttempts(3).build());
      InferenceResult r = rt.infer(PIPE, rows(1, 2, 4));
      assertThat(r.output("y").toFloatArray()).containsExactly(sixXPlusOne(2));
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(doubler.calls.get()).as("the finished step answered from its first run").isEqualTo(1);
      assertThat(plus.calls.get()).isEqualTo(2);
      // each model step is stored under a key derived from the pipeline request's id
      String embedId = DeduceRuntime.requestIdFor("doubler", "pipeline/" + r.requestId() + "/embed");
      Fixtures.eventually(() -> store.get(embedId).isPresent(), "the embed step stored");
    }
  }

  @Test
  void aStepGetsTheRemainingDeadlineOfTheRequest() throws Exception {
    TestModel plus = new TestModel(ReferenceEngine.wrap(Repo.plus(1))).holdCall(1);
    MemoryStore store = new MemoryStore();
    try (DeduceRuntime rt = Fixtures.runtime().store(store).durability(Durability.DURABLE).build()) {
      deploySteps(rt, Fixtures.doublerModel(), plus);
      rt.deploy(PIPE, "1", threeSteps().bind(rt, PIPE), pipelineSettings());
      var busy = rt.submit("plus", rows(1, 9, 4)); // holds plus's one instance: the pipeline's head step queues
      plus.awaitHeld();
      RequestOptions quick = RequestOptions.builder().timeout(Duration.ofMillis(300)).idempotencyKey("q").build();
      assertThatThrownBy(() -> rt.infer(PIPE, null, rows(1, 0, 4), quick))
          .isInstanceOf(DeadlineExceededException.class)
          .hasMessageContaining("pipeline 'pipe' step 'head' (model 'plus' version '1'): ")
          .hasMessageContaining("waited in the queue past its deadline");
      plus.release();
      busy.get(10, java.util.concurrent.TimeUnit.SECONDS);
      String pipeId = DeduceRuntime.requestIdFor(PIPE, "q");
      String headId = DeduceRuntime.requestIdFor("plus", "pipeline/" + pipeId + "/head");
      StoredRequest head = store.get(headId).orElseThrow();
      // what was left of the 300 ms when the third step started, not a fresh default deadline of its own
      assertThat(Duration.between(head.request().submittedAt(), head.request().deadline()))
          .isLessThan(Duration.ofMillis(300));
    }
  }

  @Test
  void badPipelinesAreRefusedNamingTheStepAndMapping() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      deploySteps(rt, Fixtures.doublerModel(), ReferenceEngine.wrap(Repo.plus(1)));
      assertThatThrownBy(() -> Pipeline.builder().model("a", "doubler", null, Map.of()).output("y", "a.y").build()
          .bind(rt, PIPE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("pipeline 'pipe' step 'a' (model 'doubler') leaves its input 'x' unmapped");
      assertThatThrownBy(() -> Pipeline.builder().model("a", "doubler", null, Map.of("x", "input.x", "z",
          "input.z")).output("y", "a.y").build().bind(rt, PIPE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maps 'z', which it does not take; expected its inputs [x]");
      assertThatThrownBy(() -> Pipeline.builder().model("a", "doubler", null, Map.of("x", "b.y"))
          .model("b", "plus", null, Map.of("x", "input.x")).output("y", "a.y").build().bind(rt, PIPE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("reads 'b.y', but no step 'b' is declared before it");
      assertThatThrownBy(() -> Pipeline.builder().model("a", "doubler", null, Map.of("x", "input.x"))
          .output("y", "a.z").build().bind(rt, PIPE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("pipeline 'pipe' output 'y' reads output 'z' of step 'a', which has none;"
              + " expected one of [y]");
      assertThatThrownBy(() -> Pipeline.builder().model("a", "missing", null, Map.of("x", "input.x"))
          .output("y", "a.y").build().bind(rt, PIPE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("step 'a' (model 'missing') is not deployed");
      assertThatThrownBy(() -> Pipeline.builder().model("a", PIPE, null, Map.of("x", "input.x"))
          .output("y", "a.y").build().bind(rt, PIPE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("serves the pipeline itself");
      assertThatThrownBy(() -> Pipeline.builder().model("input", "doubler", null, Map.of("x", "input.x")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a name other than 'input'");
      assertThatThrownBy(() -> Pipeline.builder().model("a", "doubler", null, Map.of("x", "input.x"))
          .model("a", "plus", null, Map.of("x", "a.y"))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("pipeline step 'a' is declared twice");
      assertThatThrownBy(() -> Pipeline.builder().build()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected at least one of each");
    }
  }

  @Test
  void aStepReadingATensorOfAnotherDtypeIsRefused() {
    CodeStep toInts = new CodeStep(ModelSignature.batchedWhenDynamic(
        List.of(TensorSpec.of("x", DataType.FLOAT32, -1, 4)), List.of(TensorSpec.of("ids", DataType.INT64, -1, 4))),
        in -> NamedTensors.of("ids", Tensor.ofLongs(new long[4], 1, 4)));
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      deploySteps(rt, Fixtures.doublerModel(), ReferenceEngine.wrap(Repo.plus(1)));
      assertThatThrownBy(() -> Pipeline.builder().code("ids", "to-ints", toInts, Map.of("x", "input.x"))
          .model("a", "doubler", null, Map.of("x", "ids.ids")).output("y", "a.y").build().bind(rt, PIPE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("step 'a' (model 'doubler') input 'x' is FLOAT32, but it reads 'ids.ids', which is"
              + " INT64; expected the same dtype");
    }
  }

  /** A pipeline folder named to sort before its steps, so only the deploy order makes it load. */
  private static final String PIPE_CONF = """
      pipeline {
        steps = [
          { name = pre, code = triple, inputs { x = input.x } }
          { name = embed, model = doubler, inputs { x = pre.y } }
          { name = head, model = plus, version = "1", inputs { x = embed.y } }
        ]
        outputs { y = head.y }
      }
      instances = 2
      """;

  @Test
  void aModelConfDeclaresAPipelineServedAfterItsSteps(@TempDir Path dir) {
    Repo repo = new Repo(dir);
    Repo.write(repo.dir("a-pipe", "1").resolve("model.conf"), PIPE_CONF);
    Repo.write(repo.dir("b-pipe", "1").resolve("model.conf"), PIPE_CONF.replace("triple", "quadruple"));
    Repo.write(repo.dir("c-pipe", "1").resolve("model.conf"), PIPE_CONF.replace("head.y", "head.z"));
    Repo.write(repo.dir("d-pipe", "1").resolve("model.conf"), PIPE_CONF + "engine = reference\n");
    repo.version("plus", 1);
    Path doubler = repo.dir("doubler", "1");
    Repo.graph(doubler.resolve("model.dgraph"), Fixtures.doubler());
    Repo.write(doubler.resolve("model.conf"), Repo.CONF);
    try (DeduceRuntime rt = Repo.runtime();
        ModelRepository r = ModelRepository.builder(rt, dir).pollInterval(Duration.ZERO).code("triple", TRIPLE)
            .start()) {
      assertThat(rt.infer("a-pipe", rows(1, 1, 4)).output("y").toFloatArray()).containsExactly(sixXPlusOne(1));
      assertThat(r.problems()).noneSatisfy(p -> assertThat(p.model()).isIn("a-pipe", "plus", "doubler"));
      assertThat(r.problems()).anySatisfy(p -> assertThat(p.toString()).contains("b-pipe")
          .contains("step 'pre' runs code 'quadruple', which the host did not register; expected one of [triple]"));
      assertThat(r.problems()).anySatisfy(p -> assertThat(p.toString()).contains("c-pipe")
          .contains("output 'y' reads output 'z' of step 'head', which has none"));
      assertThat(r.problems()).anySatisfy(p -> assertThat(p.toString()).contains("d-pipe")
          .contains("sets pipeline and engine"));
    }
  }
}
