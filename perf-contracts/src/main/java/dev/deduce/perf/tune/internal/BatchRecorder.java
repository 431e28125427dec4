package dev.deduce.perf.tune.internal;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.StreamElement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service the SLA runner drives, counting how many requests shared each engine run (from each result's batch
 * size): the tuner's cost model needs rows per run, which the SLA figures do not carry.
 */
final class BatchRecorder implements InferenceService {

  private final InferenceService service;
  private final LongAdder results = new LongAdder();
  // a run of k requests yields k results of batch size k: summing 1/k over results counts runs
  private final DoubleAdder runs = new DoubleAdder();

  BatchRecorder(InferenceService service) {
    this.service = service;
  }

  /** Forgets what was counted. */
  void reset() {
    results.reset();
    runs.reset();
  }

  /** Requests per engine run since the last reset, 0 when none completed. */
  double requestsPerRun() {
    double r = runs.sum();
    return r == 0 ? 0 : results.sum() / r;
  }

  @Override
  public CompletableFuture<InferenceResult> submit(String model, String version, NamedTensors inputs,
      RequestOptions options) {
    return service.submit(model, version, inputs, options).whenComplete((r, e) -> {
      if (r != null && r.batchSize() > 0) {
        results.increment();
        runs.add(1.0 / r.batchSize());
      }
    });
  }

  @Override
  public Flow.Publisher<InferenceResult> stream(String model, String version, Flow.Publisher<NamedTensors> inputs,
      RequestOptions options) {
    return service.stream(model, version, inputs, options);
  }

  @Override
  public Flow.Publisher<InferenceResult> streamElements(String model, String version,
      Flow.Publisher<StreamElement> elements) {
    return service.streamElements(model, version, elements);
  }

  @Override
  public ModelSignature signature(String model, String version) {
    return service.signature(model, version);
  }

  @Override
  public void close() {
    // the tuner owns the runtime and closes it; the runner never closes the service it drives
  }
}
