package dev.deduce.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.flink.job.ExampleModel;
import dev.deduce.flink.job.Reading;
import dev.deduce.flink.job.Score;
import dev.deduce.flink.job.ScoringPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One record's failure stays that record's; orderedWait keeps input order. */
class RecordHandlingTest {

  @RegisterExtension
  static final MiniClusterExtension CLUSTER = Jobs.cluster();

  @TempDir
  Path tmp;

  @Test
  void aReadingOfTheWrongWidthGoesToTheSideOutputAsInvalidInputWhileTheOthersAreScored() throws Exception {
    StreamExecutionEnvironment env = Jobs.env(2, 0);
    List<Reading> readings = new ArrayList<>();
    for (long i = 0; i < 20; i++) {
      readings.add(i == 7 ? new Reading(7, new float[15]) : Reading.generated(i));
    }
    DataStream<Reading> in = env.fromData(readings, TypeInformation.of(Reading.class));
    HostSpec host = HostSpec.builder().models(ExampleModel.write(tmp.resolve("models"), ExampleModel.CONFIG)
        .toString()).build();
    SingleOutputStreamOperator<Score> scores = ScoringPipeline.score(in, host, 8, Duration.ofSeconds(30),
        FailurePolicy.SIDE_OUTPUT);
    ScoringPipeline.sink(scores, scores.getSideOutput(DeduceInference.FAILURES), tmp.resolve("out"));
    env.execute("a bad reading");

    assertThat(Jobs.scores(tmp.resolve("out"))).extracting(s -> s.id).hasSize(19).doesNotContain(7L);
    assertThat(Jobs.failures(tmp.resolve("out"))).singleElement().satisfies(f -> assertThat(f)
        .startsWith("record 7 (INVALID_INPUT): ").contains("x").contains("16"));
  }

  @Test
  void orderedInferenceEmitsTheAnswersInInputOrder() throws Exception {
    StreamExecutionEnvironment env = Jobs.env(1, 0);
    HostSpec host = HostSpec.builder().models(ExampleModel.write(tmp.resolve("models"), ExampleModel.CONFIG)
        .toString()).build();
    SingleOutputStreamOperator<Score> scores = DeduceInference.<Reading, Score>builder(ExampleModel.NAME,
            TypeInformation.of(Score.class))
        .host(host).ids(r -> Long.toString(r.id)).inputs(Reading::tensors).outputs(Score::of)
        .capacity(32).ordered(true).build().apply(ScoringPipeline.generated(env, 500, 0));
    List<Long> ids = new ArrayList<>();
    try (var it = scores.executeAndCollect()) {
      it.forEachRemaining(s -> ids.add(s.id));
    }

    assertThat(ids).hasSize(500).isSorted();
  }

  @Test
  void aMalformedInputLineIsRefusedNamingTheLineAndTheExpectedFields() {
    assertThatThrownBy(() -> Reading.parse("3,0.5")).hasMessageContaining("input line '3,0.5' has 2 fields")
        .hasMessageContaining("an id and 16 features");
    String notANumber = "x" + ",0".repeat(16);
    assertThatThrownBy(() -> Reading.parse(notANumber)).hasMessageContaining("not a number")
        .hasMessageContaining("integer id");
    Reading r = Reading.generated(42);
    assertThat(Reading.parse(r.line()).features).containsExactly(r.features);
  }
}
