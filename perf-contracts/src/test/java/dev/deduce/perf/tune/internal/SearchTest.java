package dev.deduce.perf.tune.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinate search on landscapes computed from the setting itself, so what it finds and how many settings it
 * measures are exact; the measuring side is {@code TunerTest}'s.
 */
class SearchTest {

  @TempDir
  Path dir;

  private Ranking ranking(String targets) throws IOException {
    return new Ranking(SlaSpec.parse(Files.writeString(dir.resolve("s.conf"), "model = m\n" + targets)));
  }

  private static Candidate candidate(Setting s, double throughput, double p99Ms) {
    long p99 = (long) (p99Ms * 1e6);
    return new Candidate(s, false, List.of(1), throughput, p99 / 2, p99, p99, s.maxSize(), true, true, List.of());
  }

  /** Measures by {@code f}, counting each distinct setting once, as the tuner's cache does. */
  private static final class Landscape implements Search.Measure {
    final Map<Setting, Candidate> measured = new HashMap<>();
    final ToDoubleFunction<Setting> f;

    Landscape(ToDoubleFunction<Setting> f) {
      this.f = f;
    }

    @Override
    public Optional<Candidate> measure(Setting s) {
      if (s.engineThreads() > 0) {
        return Optional.empty(); // an engine without the thread option
      }
      return Optional.of(measured.computeIfAbsent(s, x -> candidate(x, f.applyAsDouble(x), 1)));
    }
  }

  @Test
  void climbsToTheOptimumOfAUnimodalLandscapeMeasuringAFractionOfTheGrid() throws IOException {
    Space space = Space.of(64, 1, 2, Duration.ofMillis(1), true);
    // throughput peaks at max-size 16, 2 instances, no delay
    Landscape l = new Landscape(s -> 1000 - 40 * Math.abs(log2(s.maxSize()) - 4) - 100 * Math.abs(s.instances() - 2)
        - s.maxQueueDelay().toNanos() / 1e4);
    Setting start = new Setting(1, Duration.ZERO, List.of(), 1, 0);
    Search search = new Search(space, ranking(""));

    Candidate best = search.run(l.measure(start).orElseThrow(), l);

    assertThat(best.setting()).isEqualTo(new Setting(16, Duration.ZERO, List.of(), 2, 0));
    assertThat(l.measured.size()).isLessThan((int) space.gridSize() / 5);
    assertThat(search.threadsRefused()).isTrue();
    assertThat(search.budgetSpent()).isFalse();
  }

  @Test
  void stopsWithTheBestSoFarWhenTheBudgetIsSpent() throws IOException {
    Space space = Space.of(64, 1, 2, Duration.ofMillis(1), false);
    Landscape l = new Landscape(s -> s.maxSize());
    int[] left = {3};
    Search search = new Search(space, ranking(""));

    Candidate best = search.run(l.measure(new Setting(1, Duration.ZERO, List.of(), 1, 0)).orElseThrow(), s -> {
      if (left[0]-- == 0) {
        throw new Search.BudgetSpent();
      }
      return l.measure(s);
    });

    assertThat(best.setting().maxSize()).isEqualTo(8); // 2, 4 and 8 measured, then the budget ran out
    assertThat(search.budgetSpent()).isTrue();
  }

  @Test
  void aDelayIsTriedWithPreferredSizesOnlyWhenItHelps() throws IOException {
    Space space = Space.of(8, 1, 2, Duration.ofMillis(1), false);
    // a delay of 1 ms with preferred size 4 is best; without a delay preferred sizes do nothing
    Map<Long, Integer> delayGain = Map.of(0L, 0, 500L, 25, 1000L, 50, 2000L, 40);
    Map<List<Integer>, Integer> preferredGain = Map.of(List.of(), 0, List.of(2), 15, List.of(4), 30);
    Landscape l = new Landscape(s -> 100 + delayGain.get(s.maxQueueDelay().toNanos() / 1000)
        + (s.maxQueueDelay().isZero() ? 0 : preferredGain.get(s.preferredSizes())) + s.maxSize());
    Search search = new Search(space, ranking(""));

    Candidate best = search.run(l.measure(new Setting(8, Duration.ZERO, List.of(), 1, 0)).orElseThrow(), l);

    assertThat(best.setting()).isEqualTo(new Setting(8, Duration.ofMillis(1), List.of(4), 1, 0));
    assertThat(l.measured.keySet()).allSatisfy(s -> {
      if (s.maxQueueDelay().isZero()) {
        assertThat(s.preferredSizes()).isEmpty();
      }
    });
  }

  @Test
  void theGridCountsPreferredSizesOnlyWithADelay() {
    Space space = Space.of(8, 1, 2, Duration.ofMillis(1), false);
    // sizes 1, 2, 4, 8; delays 0, 0.5, 1, 2 ms; preferred sizes (with a delay only): 1 and 2 none, 4 none or [2],
    // 8 none, [2] or [4]
    assertThat(space.sizes).containsExactly(1, 2, 4, 8);
    assertThat(space.delays).containsExactly(Duration.ZERO, Duration.ofMillis(0).plusNanos(500_000),
        Duration.ofMillis(1), Duration.ofMillis(2));
    assertThat(space.instances).containsExactly(1, 2, 3, 4);
    long perInstances = (1 + 3) + (1 + 3) + (1 + 3 * 2) + (1 + 3 * 3);
    assertThat(space.gridSize()).isEqualTo(perInstances * 4);
  }

  @Test
  void theFrontKeepsTheStableCandidatesNoneBeatsOnBothAndTheBestIsTheLowestP99AmongTheFastest()
      throws IOException {
    Setting a = new Setting(1, Duration.ZERO, List.of(), 1, 0);
    Setting b = new Setting(2, Duration.ZERO, List.of(), 1, 0);
    Setting c = new Setting(4, Duration.ZERO, List.of(), 1, 0);
    Setting d = new Setting(8, Duration.ZERO, List.of(), 1, 0);
    Candidate slowFast = candidate(a, 100, 1);       // on the front: lowest p99
    Candidate dominated = candidate(b, 90, 2);       // beaten by a on both
    Candidate fast = candidate(c, 1000, 5);          // on the front: fastest
    Candidate tiedFaster = candidate(d, 1010, 9);    // on the front, but within 2% of c with a worse p99
    Candidate unstable = new Candidate(a, false, List.of(2), 5000, 1, 1, 1, 1, false, true, List.of());
    List<Candidate> all = List.of(slowFast, dominated, fast, tiedFaster, unstable);

    assertThat(Ranking.front(all)).containsExactly(slowFast, fast, tiedFaster);
    assertThat(Ranking.best(all)).contains(fast);
    // an unstable run may lead the search (its figures still point the way) but never wins
    assertThat(ranking("").better(unstable, fast)).isTrue();
  }

  @Test
  void amongSettingsMissingTheSlaTheOneClosestToItsTargetsRanksFirst() throws IOException {
    Ranking r = ranking("targets { p99 = 10ms }");
    Setting a = new Setting(1, Duration.ZERO, List.of(), 1, 0);
    Candidate far = new Candidate(a, false, List.of(1), 100, 1, 1, 40_000_000, 1, true, false, List.of("p99"));
    Candidate near = new Candidate(a, false, List.of(2), 50, 1, 1, 12_000_000, 1, true, false, List.of("p99"));
    Candidate meets = new Candidate(a, false, List.of(3), 10, 1, 1, 9_000_000, 1, true, true, List.of());

    assertThat(r.first(List.of(far, near))).contains(near);
    assertThat(r.first(List.of(far, near, meets))).contains(meets);
  }

  private static int log2(int v) {
    return 31 - Integer.numberOfLeadingZeros(v);
  }
}
