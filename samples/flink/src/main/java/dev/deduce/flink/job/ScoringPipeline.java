package dev.deduce.flink.job;

import dev.deduce.flink.DeduceInference;
import dev.deduce.flink.FailurePolicy;
import dev.deduce.flink.HostSpec;
import dev.deduce.flink.InferenceFailure;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The example job's steps, each usable alone (the tests insert a failing step between scoring and the sink): a source
 * of readings (Flink's data generator, or a file), Deduce scoring, and exactly-once file sinks for scores and failures.
 */
public final class ScoringPipeline {

  /** Folder under the output of the committed score files. */
  public static final String SCORES = "scores";
  /** Folder under the output of the committed failure files. */
  public static final String FAILURES = "failures";

  private ScoringPipeline() {}

  /**
   * Readings 0 to {@code count - 1} from Flink's data generator, {@code perSecond} per second in all (0 = as fast as
   * the job takes them). The generator's position is in its checkpointed state, so a restore resumes it.
   */
  public static DataStream<Reading> generated(StreamExecutionEnvironment env, long count, double perSecond) {
    RateLimiterStrategy rate = perSecond > 0 ? RateLimiterStrategy.perSecond(perSecond)
        : RateLimiterStrategy.noOp();
    DataGeneratorSource<Reading> source = new DataGeneratorSource<>(Reading::generated, count, rate,
        TypeInformation.of(Reading.class));
    return env.fromSource(source, WatermarkStrategy.noWatermarks(), "readings").uid("readings");
  }

  /** Readings from a text file (or folder of files) of {@code id,f1,...,f16} lines; a bad line fails the job. */
  public static DataStream<Reading> file(StreamExecutionEnvironment env, java.nio.file.Path input) {
    FileSource<String> source = FileSource.forRecordStreamFormat(new TextLineInputFormat(),
        new Path(input.toUri())).build();
    return env.fromSource(source, WatermarkStrategy.noWatermarks(), "reading lines").uid("reading-lines")
        .map(Reading::parse).returns(Reading.class).name("parse readings").uid("parse-readings");
  }

  /** Scores every reading with the example model through {@link DeduceInference}. */
  public static SingleOutputStreamOperator<Score> score(DataStream<Reading> readings, HostSpec host, int capacity,
      Duration deadline, FailurePolicy policy) {
    return DeduceInference.<Reading, Score>builder(ExampleModel.NAME, TypeInformation.of(Score.class))
        .host(host)
        .ids(r -> Long.toString(r.id))
        .inputs(Reading::tensors)
        .outputs(Score::of)
        .capacity(capacity)
        .deadline(deadline)
        .onFailure(policy)
        .build()
        .apply(readings);
  }

  /**
   * Writes scores to {@code output/scores/} and the failures side output to {@code output/failures/}. FileSink
   * takes part in checkpoints: a part file becomes visible (loses its leading dot) only once the checkpoint that
   * covers its records completes, so a restore never leaves a record's line twice.
   */
  public static void sink(DataStream<Score> scores, DataStream<InferenceFailure> failures,
      java.nio.file.Path output) {
    scores.sinkTo(lines(output.resolve(SCORES), "scores")).name("score files").uid("score-files");
    failures.sinkTo(lines(output.resolve(FAILURES), "failures")).name("failure files").uid("failure-files");
  }

  private static <T> FileSink<T> lines(java.nio.file.Path dir, String prefix) {
    return FileSink.forRowFormat(new Path(dir.toUri()), new SimpleStringEncoder<T>("UTF-8"))
        .withBucketAssigner(new BasePathBucketAssigner<>())
        .withRollingPolicy(OnCheckpointRollingPolicy.build())
        .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix(prefix).withPartSuffix(".csv").build())
        .build();
  }
}
