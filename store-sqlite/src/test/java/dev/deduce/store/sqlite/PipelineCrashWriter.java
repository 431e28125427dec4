package dev.deduce.store.sqlite;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.RequestStatus;
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
import dev.deduce.spi.StoredRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Child-process main: a DURABLE runtime on the SQLite store serving the three-step pipeline {@link #PIPE} (s1 → s2 →
 * s3, each y = x + x), whose second step never finishes. It submits one pipeline request, waits until the store holds
 * the pipeline request and step s2's request as PENDING and step s1's result as DONE, then prints {@link #READY} and
 * waits to be killed.
 */
public final class PipelineCrashWriter {

  static final String PIPE = "pipe";
  static final String KEY = "order-1";
  static final String READY = "READY";
  static final String[] STEPS = {"s1", "s2", "s3"};

  private PipelineCrashWriter() {}

  /** y = x + x over FLOAT32 [batch, 4]. */
  static LoadedModel doubler() {
    return ReferenceEngine.wrap(ReferenceGraph.builder("doubler").input("x", DataType.FLOAT32, -1, 4)
        .op(ReferenceGraph.Op.ADD, "y", "x", "x").output("y").build());
  }

  static NamedTensors input() {
    return NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 4));
  }

  static DeduceRuntime runtime(Store store) {
    return DeduceRuntime.builder().settings(RuntimeSettings.defaults()).durability(Durability.DURABLE).store(store)
        .build();
  }

  static ModelSettings settings() {
    return ModelSettings.builder().checkInvariance(false).build();
  }

  /** s1 → s2 → s3. */
  static Pipeline pipeline() {
    return Pipeline.builder().model("s1", "s1", null, Map.of("x", "input.x"))
        .model("s2", "s2", null, Map.of("x", "s1.y")).model("s3", "s3", null, Map.of("x", "s2.y"))
        .output("y", "s3.y").build();
  }

  /** The id the store keeps step {@code step} of the pipeline request under (its first run). */
  static String stepId(String step) {
    return DeduceRuntime.requestIdFor(step, "pipeline/" + DeduceRuntime.requestIdFor(PIPE, KEY) + "/" + step);
  }

  public static void main(String[] args) throws Exception {
    Store store = new SqliteStoreProvider().open(Records.config(Path.of(args[0])));
    DeduceRuntime runtime = runtime(store);
    runtime.deploy("s1", "1", doubler(), settings());
    runtime.deploy("s2", "1", new Stuck(doubler()), settings());
    runtime.deploy("s3", "1", doubler(), settings());
    runtime.deploy(PIPE, "1", pipeline().bind(runtime, PIPE), settings());
    runtime.submit(PIPE, null, input(), RequestOptions.builder().idempotencyKey(KEY).timeout(Duration.ofHours(1))
        .build());
    await(store, DeduceRuntime.requestIdFor(PIPE, KEY), s -> s.status() == RequestStatus.PENDING);
    await(store, stepId("s1"), s -> s.status() == RequestStatus.DONE);
    await(store, stepId("s2"), s -> s.status() == RequestStatus.PENDING);
    System.out.println(READY);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void await(Store store, String id, Predicate<StoredRequest> state) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < until) {
      Optional<StoredRequest> s = store.get(id);
      if (s.isPresent() && state.test(s.get())) {
        return;
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("request " + id + " never reached the awaited state; it is " + store.get(id));
  }

  /** A model whose runs never finish: the crash comes while step s2 runs. */
  private static final class Stuck implements LoadedModel {
    private final LoadedModel model;

    Stuck(LoadedModel model) {
      this.model = model;
    }

    @Override
    public ModelSignature signature() {
      return model.signature();
    }

    @Override
    public NamedTensors run(NamedTensors inputs) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("interrupted");
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
