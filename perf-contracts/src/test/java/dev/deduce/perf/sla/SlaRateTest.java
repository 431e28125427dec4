package dev.deduce.perf.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The open loop ({@code rate}): requests on a schedule whatever the answers, on the reference engine's mlp-small. */
class SlaRateTest {

  private static final String QUICK = """
      model = mlp-small
      warm-up = 100ms
      window = 300ms
      max-windows = 2
      stability { windows = 2, tolerance-percent = 1000 }
      """;

  @TempDir
  static Path shared;
  private static DeduceRuntime runtime;

  @TempDir
  Path dir;

  @BeforeAll
  static void serveMlpSmall() throws IOException {
    Path file = new DgraphWriter().write(ModelKit.mlpSmall().graph(), shared);
    runtime = DeduceRuntime.builder().engine(new ReferenceEngine()).settings(RuntimeSettings.defaults())
        .durability(Durability.NONE).build();
    runtime.deploy(ModelKit.MLP_SMALL, "1", ModelSource.of(ModelKit.MLP_SMALL, "1", file, ReferenceEngine.FORMAT),
        ModelSettings.defaults());
  }

  @AfterAll
  static void close() {
    runtime.close();
  }

  private SlaSpec spec(String extra) throws IOException {
    return SlaSpec.parse(Files.writeString(dir.resolve("rate.conf"), QUICK + extra));
  }

  @Test
  void aRateSendsOnItsScheduleNotAsFastAsAnswersCome() throws IOException {
    // 8 closed-loop callers run mlp-small at thousands per second here; 200 per second is the schedule's doing
    SlaResult r = new SlaRunner(runtime).run(spec("rate = 200\nconcurrency = 8\ntargets { p99 = 10s }"));

    assertThat(r.passed()).as(r.checks().toString()).isTrue();
    assertThat(r.measured().requests()).isPositive();
    assertThat(r.measured().throughput()).isLessThanOrEqualTo(200 * 1.5);
    assertThat(r.errors()).isEmpty();
  }

  @Test
  void requestsDueWhileConcurrencyAreOutstandingAreCountedAsBacklog() throws IOException {
    // a million a second with one outstanding: most come due while the one before is still running
    SlaResult r = new SlaRunner(runtime).run(spec("rate = 1e6\nconcurrency = 1"));

    assertThat(r.errors()).containsKey("CLIENT_BACKLOG");
    assertThat(r.firstErrors()).filteredOn(e -> e.kind().equals("CLIENT_BACKLOG")).first()
        .satisfies(e -> assertThat(e.message()).contains("concurrency = 1 requests were outstanding"));
    assertThat(r.passed()).isFalse();
  }

  @Test
  void aRateOfZeroIsRefusedNamingTheRange() throws IOException {
    assertThatThrownBy(() -> spec("rate = 0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate").hasMessageContaining("0");
  }
}
