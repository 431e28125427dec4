package dev.deduce.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;

/**
 * Runs inference: validates, queues, batches, runs and records requests.
 *
 * <p>Thread-safe. Closing drains in-flight work, then closes models and the store.
 */
public interface InferenceService extends AutoCloseable {

  /**
   * Submits a request for {@code model} at {@code version} (null for the serving default).
   *
   * <p>Invalid input, an unknown model and a full queue fail the returned future at once; nothing is queued or stored
   * for them. Invalid input includes a null model name, one {@link Names} does not allow, null inputs, inputs the
   * signature refuses, a batched model's request with 0 rows, and (when the model's {@code non-finite-inputs} is
   * {@code reject}) NaN or infinite float values. This method never throws for them. In DURABLE mode the request is
   * stored before this method returns.
   */
  CompletableFuture<InferenceResult> submit(String model, String version, NamedTensors inputs, RequestOptions options);

  /** Submits to the serving version of {@code model} with default options. */
  default CompletableFuture<InferenceResult> submit(String model, NamedTensors inputs) {
    return submit(model, null, inputs, RequestOptions.defaults());
  }

  /**
   * Submits and waits for the result.
   *
   * @throws DeduceException the request's failure, unwrapped
   */
  default InferenceResult infer(String model, NamedTensors inputs) {
    return infer(model, null, inputs, RequestOptions.defaults());
  }

  /**
   * Submits to {@code version} with {@code options} and waits for the result.
   *
   * @throws DeduceException the request's failure, unwrapped
   */
  default InferenceResult infer(String model, String version, NamedTensors inputs, RequestOptions options) {
    try {
      return submit(model, version, inputs, options).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeadlineExceededException("interrupted while waiting for model '" + model + "'", e);
    } catch (ExecutionException | CompletionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      if (c instanceof DeduceException de) {
        throw de;
      }
      throw new EngineException("request to model '" + model + "' failed: " + c, c);
    }
  }

  /**
   * Streams requests through the model: inputs are pulled from {@code inputs} only as the subscriber of the returned
   * publisher signals demand, and results are delivered in input order. A failed request fails the stream.
   *
   * <p>{@code options} apply to every element, so they must not carry an idempotency key: one key for every element
   * would answer each with the first element's result. Give each element its own key with
   * {@link #streamElements}.
   *
   * @throws IllegalArgumentException when {@code options} has an idempotency key
   */
  Flow.Publisher<InferenceResult> stream(String model, String version, Flow.Publisher<NamedTensors> inputs,
      RequestOptions options);

  /** Streams requests as {@link #stream} does, each element with its own options (its own idempotency key, say). */
  Flow.Publisher<InferenceResult> streamElements(String model, String version, Flow.Publisher<StreamElement> elements);

  /** The signature of the version of {@code model} that would serve a request now. */
  ModelSignature signature(String model, String version);

  /** Drains in-flight work, then closes models and the store. */
  @Override
  void close();
}
