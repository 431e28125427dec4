package dev.deduce.flink;

import dev.deduce.flink.internal.IdKey;
import dev.deduce.flink.internal.SplitFailures;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

/**
 * Deduce inference as a step of a Flink job: {@link DeduceAsyncFunction} under Flink's async I/O operator
 * ({@link AsyncDataStream#unorderedWait} or {@link AsyncDataStream#orderedWait}), failures split off to
 * {@link #FAILURES}.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Score> scores = DeduceInference.builder("mlp-small", Types.POJO(Score.class))
 *     .host(HostSpec.builder().models("cache:models").store("sqlite", "/data/deduce").build())
 *     .ids(r -> r.id).inputs(Reading::tensors).outputs(Score::of)
 *     .capacity(64).deadline(Duration.ofSeconds(5))
 *     .build().apply(readings);
 * DataStream<InferenceFailure> failed = scores.getSideOutput(DeduceInference.FAILURES);
 * }</pre>
 *
 * <p>{@code capacity} is Flink's in-flight limit per subtask: once that many records wait for answers the operator
 * stops taking input, which backpressures the source. It is also what lets Deduce batch: a batch can only gather
 * requests that are in flight together, so capacity should be at least max batch size times instances. The model's
 * queue must hold {@code capacity} requests (checked in {@code open}). The deadline is each request's Deduce timeout;
 * Flink's own timeout is set a little later ({@link #flinkTimeout}) so the Deduce error, with its reason, arrives
 * first. Both count from {@code asyncInvoke}: time a record waits upstream under backpressure is not in them.
 */
public final class DeduceInference<IN, OUT> {

  /** Records whose inference failed under {@link FailurePolicy#SIDE_OUTPUT}. */
  public static final OutputTag<InferenceFailure> FAILURES = new OutputTag<>("deduce-failures",
      TypeInformation.of(InferenceFailure.class));

  private final Builder<IN, OUT> spec;

  private DeduceInference(Builder<IN, OUT> spec) {
    this.spec = spec;
  }

  /** A builder for {@code model}, whose job output records are of {@code outputType}. */
  public static <IN, OUT> Builder<IN, OUT> builder(String model, TypeInformation<OUT> outputType) {
    return new Builder<>(model, outputType);
  }

  /** The async function, to wire with {@link AsyncDataStream} yourself. */
  public DeduceAsyncFunction<IN, OUT> function() {
    return new DeduceAsyncFunction<>(spec);
  }

  /** Flink's async timeout: the deadline plus a tenth of it, at least 200 ms more. */
  public Duration flinkTimeout() {
    Duration grace = spec.deadline.dividedBy(10);
    return spec.deadline.plus(grace.compareTo(Duration.ofMillis(200)) < 0 ? Duration.ofMillis(200) : grace);
  }

  /**
   * Runs every record of {@code in} through the model. With a store the stream is first keyed by record id, so a
   * replayed record reaches the subtask whose store holds its answer (while parallelism and max parallelism stay).
   */
  public SingleOutputStreamOperator<OUT> apply(DataStream<IN> in) {
    boolean keyed = spec.keyById != null ? spec.keyById : hasStore(in);
    DataStream<IN> routed = keyed ? in.keyBy(new IdKey<>(spec.ids), Types.STRING) : in;
    long timeout = flinkTimeout().toMillis();
    SingleOutputStreamOperator<Either<OUT, InferenceFailure>> answered = spec.ordered
        ? AsyncDataStream.orderedWait(routed, function(), timeout, TimeUnit.MILLISECONDS, spec.capacity)
        : AsyncDataStream.unorderedWait(routed, function(), timeout, TimeUnit.MILLISECONDS, spec.capacity);
    answered.uid(spec.uid).name("Deduce " + spec.model);
    return answered.process(new SplitFailures<OUT>(FAILURES), spec.outputType)
        .uid(spec.uid + "-split").name("Deduce " + spec.model + " failures");
  }

  private boolean hasStore(DataStream<IN> in) {
    if (spec.host.storeId().isPresent()) {
      return true;
    }
    Map<String, String> params = in.getExecutionEnvironment().getConfig().getGlobalJobParameters().toMap();
    String id = params.get("deduce.store.id");
    return id != null && !id.isBlank();
  }

  /** Assembles a {@link DeduceInference}; values are checked as they are set, and completeness at build. */
  public static final class Builder<IN, OUT> {
    final String model;
    final TypeInformation<OUT> outputType;
    String version;
    HostSpec host = HostSpec.fromJobParameters();
    RecordIds<IN> ids;
    RecordInputs<IN> inputs;
    RecordOutputs<IN, OUT> outputs;
    Duration deadline = Duration.ofSeconds(30);
    int capacity = 64;
    boolean ordered;
    FailurePolicy policy = FailurePolicy.FAIL_JOB;
    String uid;
    Boolean keyById;
    Duration lockWait = Duration.ofSeconds(60);

    private Builder(String model, TypeInformation<OUT> outputType) {
      this.model = Objects.requireNonNull(model, "model must not be null");
      this.outputType = Objects.requireNonNull(outputType, "output type must not be null");
      if (model.isBlank()) {
        throw new IllegalArgumentException("model name is blank; expected the name of a model in the repository");
      }
      this.uid = "deduce-" + model;
    }

    /** The model version; unset, the model's default version serves. */
    public Builder<IN, OUT> version(String v) {
      this.version = Objects.requireNonNull(v, "version must not be null");
      return this;
    }

    /** How each subtask starts its host; default: from the job parameters. */
    public Builder<IN, OUT> host(HostSpec spec) {
      this.host = Objects.requireNonNull(spec, "host spec must not be null");
      return this;
    }

    /** The record's own stable id, the idempotency key of its request. Required. */
    public Builder<IN, OUT> ids(RecordIds<IN> f) {
      this.ids = Objects.requireNonNull(f, "record ids must not be null");
      return this;
    }

    /** The record's model inputs. Required. */
    public Builder<IN, OUT> inputs(RecordInputs<IN> f) {
      this.inputs = Objects.requireNonNull(f, "record inputs must not be null");
      return this;
    }

    /** The output record from the input record and its result. Required. */
    public Builder<IN, OUT> outputs(RecordOutputs<IN, OUT> f) {
      this.outputs = Objects.requireNonNull(f, "record outputs must not be null");
      return this;
    }

    /** Each request's deadline from asyncInvoke; default 30 s. */
    public Builder<IN, OUT> deadline(Duration d) {
      Objects.requireNonNull(d, "deadline must not be null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("deadline is " + d + "; expected a positive duration");
      }
      this.deadline = d;
      return this;
    }

    /** Records in flight per subtask (Flink's async capacity); default 64. */
    public Builder<IN, OUT> capacity(int c) {
      if (c < 1) {
        throw new IllegalArgumentException("capacity is " + c + "; expected 1 or more records in flight");
      }
      this.capacity = c;
      return this;
    }

    /** Emit in input order (orderedWait) instead of completion order (unorderedWait, the default). */
    public Builder<IN, OUT> ordered(boolean o) {
      this.ordered = o;
      return this;
    }

    /** What a failed record does; default {@link FailurePolicy#FAIL_JOB}. */
    public Builder<IN, OUT> onFailure(FailurePolicy p) {
      this.policy = Objects.requireNonNull(p, "failure policy must not be null");
      return this;
    }

    /** The operator uid (state is matched by it on restore; it also names the store files); default deduce-MODEL. */
    public Builder<IN, OUT> uid(String u) {
      Objects.requireNonNull(u, "uid must not be null");
      if (u.isBlank()) {
        throw new IllegalArgumentException("uid is blank; expected a stable operator id");
      }
      this.uid = u;
      return this;
    }

    /** Key the stream by record id before inference; default: exactly when a store is configured. */
    public Builder<IN, OUT> keyById(boolean k) {
      this.keyById = k;
      return this;
    }

    /** How long open() waits for an earlier attempt of the subtask to release its store; default 60 s. */
    public Builder<IN, OUT> storeLockWait(Duration d) {
      this.lockWait = Objects.requireNonNull(d, "store lock wait must not be null");
      return this;
    }

    /** The inference step. */
    public DeduceInference<IN, OUT> build() {
      if (ids == null || inputs == null || outputs == null) {
        throw new IllegalStateException("model '" + model + "' needs ids(...), inputs(...) and outputs(...); missing:"
            + (ids == null ? " ids" : "") + (inputs == null ? " inputs" : "") + (outputs == null ? " outputs" : ""));
      }
      return new DeduceInference<>(this);
    }
  }
}
