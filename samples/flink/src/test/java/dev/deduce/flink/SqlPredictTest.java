package dev.deduce.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.flink.job.ExampleModel;
import dev.deduce.flink.job.Reading;
import dev.deduce.perf.engine.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Flink SQL's ML_PREDICT over a Deduce model: {@code CREATE MODEL ... WITH ('provider' = 'deduce')}. */
class SqlPredictTest {

  private static final int READINGS = 200;

  @RegisterExtension
  static final MiniClusterExtension CLUSTER = Jobs.cluster();

  @TempDir
  Path tmp;

  private StreamTableEnvironment tables(int parallelism) {
    StreamExecutionEnvironment env = Jobs.env(parallelism, 0);
    StreamTableEnvironment t = StreamTableEnvironment.create(env);
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < READINGS; i++) {
      float[] f = Reading.generated(i).features;
      Float[] boxed = new Float[f.length];
      for (int j = 0; j < f.length; j++) {
        boxed[j] = f[j];
      }
      rows.add(Row.of(i, boxed));
    }
    Table readings = t.fromValues(DataTypes.ROW(DataTypes.FIELD("id", DataTypes.BIGINT()),
        DataTypes.FIELD("x", DataTypes.ARRAY(DataTypes.FLOAT()))), rows);
    t.createTemporaryView("readings", readings);
    return t;
  }

  private String createModel(String columns, String options) {
    Path models = ExampleModel.write(tmp.resolve("models"), ExampleModel.CONFIG);
    return "CREATE MODEL scorer " + columns + " WITH ('provider' = 'deduce', 'model' = 'mlp-small', 'models' = '"
        + models + "'" + options + ")";
  }

  private static List<Row> collect(StreamTableEnvironment t, String query) throws Exception {
    List<Row> out = new ArrayList<>();
    CloseableIterator<Row> it = t.executeSql(query).collect();
    try {
      it.forEachRemaining(out::add);
    } finally {
      it.close();
    }
    return out;
  }

  private static void assertOracle(List<Row> rows) {
    assertThat(rows).extracting(r -> (Long) r.getField("id")).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, READINGS).boxed().toList());
    for (Row r : rows) {
      long id = (Long) r.getField("id");
      Float[] p = (Float[]) r.getField("probs");
      float[] probs = new float[p.length];
      for (int i = 0; i < p.length; i++) {
        probs[i] = p[i];
      }
      NamedTensors expected = ExampleModel.reference().expected(Reading.generated(id).tensors());
      Tolerance.assertMatches(NamedTensors.of("probs", Tensor.ofFloats(probs, 1, probs.length)), expected,
          "reading " + id);
    }
  }

  @Test
  void mlPredictOnTheAsyncPathAnswersEveryRowWithTheOraclesAnswer() throws Exception {
    StreamTableEnvironment t = tables(Jobs.PARALLELISM);
    t.executeSql(createModel("INPUT (x ARRAY<FLOAT>) OUTPUT (probs ARRAY<FLOAT>)", ""));

    assertOracle(collect(t, "SELECT id, probs FROM ML_PREDICT(TABLE readings, MODEL scorer, DESCRIPTOR(x),"
        + " MAP['async', 'true', 'max-concurrent-operations', '64'])"));
  }

  @Test
  void theSynchronousPathAnswersTheSameWhenTheQueryAsksForIt() throws Exception {
    StreamTableEnvironment t = tables(2);
    t.executeSql(createModel("INPUT (x ARRAY<FLOAT>) OUTPUT (probs ARRAY<FLOAT>)", ""));

    assertOracle(collect(t, "SELECT id, probs FROM ML_PREDICT(TABLE readings, MODEL scorer, DESCRIPTOR(x),"
        + " MAP['async', 'false'])"));
  }

  @Test
  void aColumnTypeWithNoTensorTypeIsRefusedNamingTheColumnAndTheSupportedTypes() {
    StreamTableEnvironment t = tables(1);
    t.executeSql(createModel("INPUT (x ARRAY<FLOAT>) OUTPUT (probs MAP<STRING, FLOAT>)", ""));

    assertThatThrownBy(() -> collect(t, "SELECT id, probs FROM ML_PREDICT(TABLE readings, MODEL scorer,"
        + " DESCRIPTOR(x))")).satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
        .contains("OUTPUT column 'probs' is MAP<STRING, FLOAT>").contains("ARRAY<FLOAT>"));
  }

  @Test
  void anOutputTheModelDoesNotHaveFailsAtOpenNamingTheModelsOutputs() {
    StreamTableEnvironment t = tables(1);
    t.executeSql(createModel("INPUT (x ARRAY<FLOAT>) OUTPUT (scores ARRAY<FLOAT>)", ""));

    assertThatThrownBy(() -> collect(t, "SELECT id, scores FROM ML_PREDICT(TABLE readings, MODEL scorer,"
        + " DESCRIPTOR(x))")).satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
        .contains("model 'mlp-small' has no output 'scores'").contains("[probs]"));
  }
}
