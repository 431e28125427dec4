package dev.deduce.flink.job;

import dev.deduce.flink.DeduceInference;
import dev.deduce.flink.FailurePolicy;
import dev.deduce.flink.HostSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The example Flink job: readings (Flink's data generator, or a file) are scored by ModelKit's mlp-small through
 * Deduce and written, exactly once, by FileSink. Runs on a local MiniCluster when started with {@code java}, and on
 * a cluster with {@code flink run}; see the module README.
 */
@Command(name = "deduce-flink-scoring", mixinStandardHelpOptions = true,
    description = "Scores readings with a Deduce model inside a Flink job; exactly once into FileSink.")
public final class ScoringJob implements Callable<Integer> {

  @Option(names = "--count", description = "readings the data generator makes (default ${DEFAULT-VALUE})")
  long count = 10_000;

  @Option(names = "--rate", description = "readings per second in all, 0 = unthrottled (default ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--input", description = "a file or folder of 'id,f1,...,f16' lines instead of the generator")
  Path input;

  @Option(names = "--output", description = "output folder: scores/ and failures/ (default ${DEFAULT-VALUE})")
  Path output = Path.of("flink-output");

  @Option(names = "--models", description = "model repository folder, shipped to the task managers through Flink's"
      + " distributed cache (default: the example model written into OUTPUT/models)")
  Path models;

  @Option(names = "--plugins", description = "engine and store plugin zips, shipped like --models")
  Path plugins;

  @Option(names = "--store", description = "store provider id, e.g. sqlite: one store file per subtask")
  String store;

  @Option(names = "--store-dir", description = "folder of the per-subtask store files, on every task manager")
  String storeDir;

  @Option(names = "--parallelism", description = "job parallelism (default: the environment's)")
  Integer parallelism;

  @Option(names = "--checkpoint-interval", description = "ISO-8601 duration (default ${DEFAULT-VALUE})",
      converter = DurationConverter.class)
  Duration checkpointInterval = Duration.ofSeconds(2);

  @Option(names = "--capacity", description = "records in flight per subtask (default ${DEFAULT-VALUE})")
  int capacity = 64;

  @Option(names = "--deadline", description = "each request's deadline, ISO-8601 (default ${DEFAULT-VALUE})",
      converter = DurationConverter.class)
  Duration deadline = Duration.ofSeconds(30);

  @Option(names = "--on-failure", description = "SIDE_OUTPUT (to OUTPUT/failures) or FAIL_JOB (default "
      + "${DEFAULT-VALUE})")
  FailurePolicy onFailure = FailurePolicy.SIDE_OUTPUT;

  /** Parses {@code PT2S}, or a plain number of milliseconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return value.chars().allMatch(Character::isDigit) ? Duration.ofMillis(Long.parseLong(value))
          : Duration.parse(value);
    }
  }

  public static void main(String[] args) {
    int code = new CommandLine(new ScoringJob()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    if ((store == null) != (storeDir == null)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--store and --store-dir go together: the"
          + " store id and the folder of its per-subtask files");
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    if (parallelism != null) {
      env.setParallelism(parallelism);
    }
    env.enableCheckpointing(checkpointInterval.toMillis());
    Path repository = models != null ? models : ExampleModel.write(output.resolve("models"), ExampleModel.CONFIG);
    env.registerCachedFile(repository.toAbsolutePath().toString(), "models");
    HostSpec.Builder host = HostSpec.builder().models("cache:models");
    if (plugins != null) {
      env.registerCachedFile(plugins.toAbsolutePath().toString(), "plugins");
      host.plugins("cache:plugins");
    }
    if (store != null) {
      host.store(store, storeDir);
    }
    DataStream<Reading> readings = input != null ? ScoringPipeline.file(env, input)
        : ScoringPipeline.generated(env, count, rate);
    SingleOutputStreamOperator<Score> scores = ScoringPipeline.score(readings, host.build(), capacity, deadline,
        onFailure);
    ScoringPipeline.sink(scores, scores.getSideOutput(DeduceInference.FAILURES), output.toAbsolutePath());
    long started = System.currentTimeMillis();
    JobExecutionResult result = env.execute("Deduce scoring: " + ExampleModel.NAME);
    System.out.printf("job %s finished in %d ms: %d scores, %d failures in %s%n", result.getJobID(),
        result.getNetRuntime(), lines(output.resolve(ScoringPipeline.SCORES), started),
        lines(output.resolve(ScoringPipeline.FAILURES), started), output.toAbsolutePath());
    return 0;
  }

  /**
   * Lines in the files of {@code dir} this run committed (FileSink hides files it has not committed behind a dot, and
   * adds new part files beside an earlier run's).
   */
  static long lines(Path dir, long since) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      long n = 0;
      for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")
          && f.toFile().lastModified() >= since - 1000).toList()) {
        try (Stream<String> l = Files.lines(f)) {
          n += l.count();
        }
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot count the lines in " + dir, e);
    }
  }
}
