package dev.deduce.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.flink.job.ExampleModel;
import dev.deduce.flink.job.Reading;
import dev.deduce.flink.job.Score;
import dev.deduce.flink.job.ScoringPipeline;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoreProvider;
import dev.deduce.spi.StoredRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** What the MiniCluster tests share: the cluster shape, environments, and readers of a job's files and stores. */
final class Jobs {

  static final int PARALLELISM = 4;

  private Jobs() {}

  /** Two task managers of two slots each: parallelism 4 spreads every operator over both. */
  static MiniClusterExtension cluster() {
    return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
        .setNumberTaskManagers(2).setNumberSlotsPerTaskManager(2).build());
  }

  /** Parallelism {@code p}, checkpoints every 100 ms, and {@code restarts} fixed-delay restarts (0 = none). */
  static StreamExecutionEnvironment env(int p, int restarts) {
    Configuration conf = new Configuration();
    if (restarts > 0) {
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    } else {
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(p);
    env.enableCheckpointing(100);
    return env;
  }

  /** The scores in the committed files under {@code output}. */
  static List<Score> scores(Path output) {
    return lines(output.resolve(ScoringPipeline.SCORES)).stream().map(Score::parse).toList();
  }

  /** The failure lines in the committed files under {@code output}. */
  static List<String> failures(Path output) {
    return lines(output.resolve(ScoringPipeline.FAILURES));
  }

  private static List<String> lines(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
        all.addAll(Files.readAllLines(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all;
  }

  /** Asserts each score is the oracle's answer for its reading and carries the request id of the reading's id. */
  static void assertMatchOracle(List<Score> scores) {
    ReferenceModel oracle = ExampleModel.reference();
    for (Score s : scores) {
      Reading r = Reading.generated(s.id);
      NamedTensors expected = oracle.expected(r.tensors());
      Tolerance.assertMatches(NamedTensors.of("probs", Tensor.ofFloats(s.probs, 1, s.probs.length)), expected,
          "reading " + s.id);
      assertThat(s.requestId).isEqualTo(dev.deduce.runtime.DeduceRuntime.requestIdFor(ExampleModel.NAME,
          Long.toString(s.id)));
    }
  }

  /** Every row of every subtask's SQLite store file under {@code storeDir}. */
  static List<StoredRequest> storeRows(Path storeDir) {
    StoreProvider sqlite = ServiceLoader.load(StoreProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals("sqlite")).findFirst().orElseThrow();
    List<StoredRequest> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(storeDir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches(".*-\\d+")).sorted().toList()) {
        try (Store store = sqlite.open(new StoreConfig(f, Map.of()))) {
          HistoryQuery q = HistoryQuery.all().withPageSize(HistoryQuery.MAX_PAGE_SIZE);
          for (Optional<HistoryQuery> next = Optional.of(q); next.isPresent(); ) {
            Page<StoredRequest> page = store.history(next.get());
            rows.addAll(page.items());
            next = next.get().next(page);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** The store files the job left: one per subtask. */
  static List<Path> storeFiles(Path storeDir) {
    try (Stream<Path> files = Files.list(storeDir)) {
      return files.filter(f -> f.getFileName().toString().matches(".*-\\d+")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
