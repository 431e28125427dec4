package dev.deduce.store.sqlite;

import dev.deduce.api.DataType;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.Store;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Child-process main: submits through a DURABLE {@link DeduceRuntime} on the SQLite store from {@link #THREADS}
 * threads until killed, printing {@code ACK <idempotency key>} once submit has returned an accepted request.
 *
 * <p>Requests alternate between two deployments of the same model: {@link #SERVED} batches as usual, so most of its
 * requests finish before the kill; {@link #HELD} waits for a batch too large to fill, so its requests are certainly
 * still queued (PENDING) when the kill comes. The idempotency key names the request: the runtime derives the request
 * id from it, and the store keeps it.
 */
public final class RuntimeCrashWriter {

  static final String SERVED = "served";
  static final String HELD = "held";
  static final String VERSION = "1";
  static final String ACK = "ACK ";
  static final int THREADS = 4;
  static final ReferenceModel MODEL = ModelKit.mlpSmall();

  private RuntimeCrashWriter() {}

  /** One row of seeded inputs for request {@code n}, so every request has its own answer. */
  static NamedTensors inputs(long n) {
    return NamedTensors.of("x", ReferenceModel.random(DataType.FLOAT32, new long[] {1, 16}, new SplittableRandom(n)));
  }

  /** The runtime both the writer and the recovery use: bundled defaults, DURABLE, over {@code store}. */
  static DeduceRuntime runtime(Store store) {
    return DeduceRuntime.builder().settings(RuntimeSettings.defaults()).durability(Durability.DURABLE).store(store)
        .build();
  }

  /** Room for everything the writer submits before it is killed, so no request is refused for overload. */
  static ModelSettings.Builder roomy() {
    return ModelSettings.builder().queueCapacity(100_000).queueMaxWait(Duration.ofSeconds(30));
  }

  public static void main(String[] args) throws InterruptedException {
    Store store = new SqliteStoreProvider().open(Records.config(Path.of(args[0])));
    DeduceRuntime runtime = runtime(store);
    runtime.deploy(SERVED, VERSION, ReferenceEngine.wrap(MODEL.graph()),
        roomy().maxBatchSize(16).maxQueueDelay(Duration.ofMillis(2)).build());
    runtime.deploy(HELD, VERSION, ReferenceEngine.wrap(MODEL.graph()),
        roomy().maxBatchSize(1_000_000).maxQueueDelay(Duration.ofHours(1)).build());
    PrintStream out = System.out;
    Thread[] threads = new Thread[THREADS];
    for (int t = 0; t < THREADS; t++) {
      int first = t;
      threads[t] = new Thread(() -> {
        for (long n = first; ; n += THREADS) {
          String key = "k" + n;
          CompletableFuture<InferenceResult> result = runtime.submit(n % 2 == 0 ? SERVED : HELD, VERSION,
              inputs(n), RequestOptions.builder().timeout(Duration.ofHours(1)).idempotencyKey(key).build());
          // submit has returned: in DURABLE mode an accepted request is in the store now
          if (result.isCompletedExceptionally()) {
            System.err.println("refused " + key + ": " + result.handle((r, e) -> e).join());
            continue;
          }
          synchronized (out) {
            out.println(ACK + key);
            out.flush();
          }
        }
      }, "crash-writer-" + t);
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
  }
}
