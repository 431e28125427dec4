package dev.deduce.api;

import java.time.Duration;
import java.util.Objects;

/**
 * A completed request: its outputs, the model version that produced them and where the time went.
 *
 * @param requestId   the id the request was stored under
 * @param model       the model name
 * @param version     the model version that ran
 * @param outputs     the request's own rows of every output
 * @param queueTime   time from submission until its batch started running
 * @param computeTime time its batch spent in the engine, retries included
 * @param totalTime   time from submission to completion
 * @param attempts    engine runs it took (1 unless retried)
 * @param batchSize   the number of requests in the batch it ran in
 */
public record InferenceResult(
    String requestId,
    String model,
    String version,
    NamedTensors outputs,
    Duration queueTime,
    Duration computeTime,
    Duration totalTime,
    int attempts,
    int batchSize) {

  /** Rejects nulls. */
  public InferenceResult {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(queueTime, "queueTime");
    Objects.requireNonNull(computeTime, "computeTime");
    Objects.requireNonNull(totalTime, "totalTime");
  }

  /** The output called {@code name}. */
  public Tensor output(String name) {
    return outputs.get(name);
  }
}
