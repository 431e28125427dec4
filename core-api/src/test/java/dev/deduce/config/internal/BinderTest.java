package dev.deduce.config.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.deduce.runtime.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinderTest {

  /** A config record as the runtime writes them: kebab-case keys from the names, checks in the constructor. */
  record Pool(int maxSize, Duration idleTimeout, Durability mode, ByteSize buffer, List<Integer> sizes,
      Map<String, String> tags, Optional<Path> dir, Limits limits) {
    Pool {
      Checks.range("max-size", maxSize, 1, 64);
    }
  }

  record Limits(long maxRows, Optional<Duration> timeout) {}

  /** The same record with one more component: the only change a new setting needs, besides its reference line. */
  record PoolV2(int maxSize, Duration idleTimeout, Durability mode, ByteSize buffer, List<Integer> sizes,
      Map<String, String> tags, Optional<Path> dir, Limits limits, boolean warm) {}

  private static final String REFERENCE = """
      max-size = 8
      idle-timeout = 30s
      mode = NONE
      buffer = 64KiB
      sizes = [1, 2]
      tags {}
      dir = ""
      limits { max-rows = 100 }
      """;

  @TempDir
  Path tmp;

  private static Config conf(String text) {
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.parseString(REFERENCE));
  }

  private Config file(String text) throws IOException {
    Path f = Files.writeString(tmp.resolve("pool.conf"), text);
    return ConfigFactory.parseFile(f.toFile()).withFallback(ConfigFactory.parseString(REFERENCE));
  }

  @Test
  void bindsEveryKindOfValueFromKebabCaseKeys() {
    Pool p = Binder.bind(conf("""
        max-size = 16, idle-timeout = 250ms, mode = results, buffer = 1MiB, sizes = "4, 8"
        tags { a.b = 1, c = x }, dir = /tmp/pool, limits { max-rows = 5, timeout = 2s }
        """), Pool.class, "pool.");
    assertThat(p.maxSize()).isEqualTo(16);
    assertThat(p.idleTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(p.mode()).isEqualTo(Durability.RESULTS);
    assertThat(p.buffer().bytes()).isEqualTo(1 << 20);
    assertThat(p.sizes()).containsExactly(4, 8);
    assertThat(p.tags()).isEqualTo(Map.of("a.b", "1", "c", "x"));
    assertThat(p.dir()).contains(Path.of("/tmp/pool"));
    assertThat(p.limits()).isEqualTo(new Limits(5, Optional.of(Duration.ofSeconds(2))));
  }

  @Test
  void blankOptionalAndMissingOptionalAreEmpty() {
    Pool p = Binder.bind(conf(""), Pool.class, "");
    assertThat(p.dir()).isEmpty();
    assertThat(p.limits().timeout()).isEmpty();
  }

  @Test
  void aNewComponentBindsFromOneReferenceLine() {
    Config withNewLine = conf("").withFallback(ConfigFactory.parseString("warm = true"));
    assertThat(Binder.bind(withNewLine, PoolV2.class, "").warm()).isTrue();
    assertThatThrownBy(() -> Binder.bind(conf(""), PoolV2.class, "pool."))
        .hasMessageContaining("missing setting pool.warm").hasMessageContaining("expected true or false");
  }

  @Test
  void unknownKeyFailsListingTheValidOnes() {
    assertThatThrownBy(() -> Binder.bind(conf("limits.max-row = 3"), Pool.class, "pool."))
        .hasMessageStartingWith("unknown key pool.limits.max-row")
        .hasMessageContaining("expected one of [pool.limits.max-rows, pool.limits.timeout]");
  }

  @Test
  void wrongTypeFailsNamingKeyValueAndType() {
    assertThatThrownBy(() -> Binder.bind(conf("max-size = lots"), Pool.class, "pool."))
        .hasMessageStartingWith("bad setting pool.max-size = \"lots\"").hasMessageEndingWith("expected a whole number");
    assertThatThrownBy(() -> Binder.bind(conf("max-size = 1.5"), Pool.class, "pool."))
        .hasMessageContaining("pool.max-size = 1.5").hasMessageEndingWith("expected a whole number");
  }

  @Test
  void outOfRangeFailsWithWhatIsAllowed() {
    assertThatThrownBy(() -> Binder.bind(conf("max-size = 65"), Pool.class, "pool."))
        .hasMessageStartingWith("bad setting pool.max-size = 65").hasMessageEndingWith("expected 1 to 64");
  }

  @Test
  void badDurationFailsWithAnExample() {
    assertThatThrownBy(() -> Binder.bind(conf("idle-timeout = 5 parsecs"), Pool.class, "pool."))
        .hasMessageStartingWith("bad setting pool.idle-timeout = \"5 parsecs\"")
        .hasMessageEndingWith("expected a duration such as 250ms, 2s or 1m");
  }

  @Test
  void badEnumFailsListingTheConstants() {
    assertThatThrownBy(() -> Binder.bind(conf("mode = sometimes"), Pool.class, "pool."))
        .hasMessageStartingWith("bad setting pool.mode = \"sometimes\"")
        .hasMessageEndingWith("expected one of NONE, RESULTS, DURABLE");
  }

  @Test
  void errorsNameTheFileAndLineOfTheBadValue() throws IOException {
    String where = tmp.resolve("pool.conf") + ": 3";
    assertThatThrownBy(() -> Binder.bind(file("# pool\nmode = NONE\nmax-size = 0\n"), Pool.class, ""))
        .hasMessageContaining("max-size = 0 (" + where + ")");
    assertThatThrownBy(() -> Binder.bind(file("\n\nlimits { max-rows = x }\n"), Pool.class, ""))
        .hasMessageContaining("limits.max-rows = \"x\" (" + where + ")");
    assertThatThrownBy(() -> Binder.bind(file("\n\nsise = 1\n"), Pool.class, ""))
        .hasMessageContaining("unknown key sise (" + where + ")");
  }

  @Test
  void toConfigBindsBackToAnEqualRecord() {
    Pool p = Binder.bind(conf("idle-timeout = 1500us, tags { a.b = 1 }, limits.timeout = 1s"), Pool.class, "");
    assertThat(Binder.bind(Binder.toConfig(p, "test"), Pool.class, "")).isEqualTo(p);
    assertThat(Binder.with(p, "maxSize", 3).maxSize()).isEqualTo(3);
  }

  @Test
  void kebabCaseOfComponentNames() {
    assertThat(Binder.kebab("maxQueueDelay")).isEqualTo("max-queue-delay");
    assertThat(Binder.kebab("p99")).isEqualTo("p99");
    assertThat(Binder.text(Duration.ofSeconds(2))).isEqualTo("2s");
  }
}
