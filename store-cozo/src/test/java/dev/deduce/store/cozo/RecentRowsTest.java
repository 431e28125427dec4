package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.deduce.api.RequestStatus;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecentRowsTest {

  @TempDir
  Path dir;

  private final AtomicInteger scripts = new AtomicInteger();

  /** Counts the scripts Cozo runs, to tell a read served from memory from one that reached Cozo. */
  private final class Counting extends ForwardingRunner {
    Counting() {
      super(CozoRunners.AUTO.factory().get());
    }

    @Override
    public String run(String script, String paramsJson, boolean immutable) {
      scripts.incrementAndGet();
      return super.run(script, paramsJson, immutable);
    }
  }

  private CozoStore open(Map<String, String> options) {
    StoreConfig config = new StoreConfig(dir, options);
    return new CozoStore(config.location(), CozoStoreOptions.from(config), Counting::new);
  }

  private int scriptsFor(Runnable read) {
    int before = scripts.get();
    read.run();
    return scripts.get() - before;
  }

  @Test
  void aRowReadAgainIsServedFromMemoryWithoutACozoCall() {
    try (CozoStore store = open(Map.of())) {
      RequestRecord r = Fixtures.request("a", 1);
      store.append(List.of(r));
      store.complete(List.of(Fixtures.done(r, 1, 2)));
      assertThat(scriptsFor(() -> store.get("a"))).isEqualTo(1);
      assertThat(scriptsFor(() -> assertThat(store.get("a").orElseThrow().outputs().get("emb").toFloatArray())
          .containsExactly(1, 2))).isZero();
    }
  }

  @Test
  void aReadAfterAWriteSeesTheWriteNotTheRowReadBefore() {
    try (CozoStore store = open(Map.of())) {
      RequestRecord r = Fixtures.request("a", 1);
      store.append(List.of(r));
      assertThat(store.get("a").orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
      store.complete(List.of(Fixtures.done(r, 5)));
      assertThat(store.get("a").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
      RequestRecord b = Fixtures.request("b", 2);
      assertThat(store.get("b")).isEmpty();
      store.appendAndComplete(List.of(b), List.of(Fixtures.done(b, 6)));
      assertThat(store.get("b").orElseThrow().outputs().get("emb").toFloatArray()).containsExactly(6);
    }
  }

  @Test
  void rowsReadBeforeACompactionAreReadAtTheirNewOffsetsAfterIt() throws Exception {
    try (CozoStore store = open(Map.of("compact.minBytes", "2000000000"))) {
      RequestRecord a = CompactionTest.big("a", 1);
      store.append(List.of(a));
      store.complete(List.of(CompactionTest.doneBig(a, 7)));
      // tensors nothing references, so the compaction moves a's to new offsets
      store.append(List.of(a));
      store.complete(List.of(CompactionTest.doneBig(a, 9)));
      assertThat(store.get("a").orElseThrow().outputs().get("y").toFloatArray()).containsOnly(7f);
      assertThat(store.compact()).isPositive();
      assertThat(store.get("a").orElseThrow().outputs().get("y").toFloatArray()).containsOnly(7f);
      assertThat(store.get("a").orElseThrow().request().inputs().get("x").toFloatArray()).containsOnly(1f);
    }
  }

  @Test
  void aReadCacheOfNoRowsReadsCozoEveryTime() {
    try (CozoStore store = open(Map.of(CozoStoreOptions.READ_CACHE_ROWS, "0"))) {
      RequestRecord r = Fixtures.request("a", 1);
      store.append(List.of(r));
      store.get("a");
      assertThat(scriptsFor(() -> store.get("a"))).isEqualTo(1);
    }
  }

  @Test
  void aReadCacheSizeThatIsNotACountIsRefusedNamingTheOption() {
    for (String bad : List.of("-1", "lots", "")) {
      assertThatThrownBy(() -> CozoStoreOptions.from(new StoreConfig(dir, Map.of(CozoStoreOptions.READ_CACHE_ROWS,
          bad)))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("readCache.rows is '" + bad + "'; expected a whole number from 0");
    }
  }

  @Test
  void theLeastRecentlyReadRowLeavesFirstAndANewEpochForgetsEverything() {
    RecentRows rows = new RecentRows(2);
    rows.get("a", 0);
    rows.put("a", TextNode.valueOf("A"), 0);
    rows.put("b", TextNode.valueOf("B"), 0);
    assertThat(rows.get("a", 0)).isNotNull();
    rows.put("c", TextNode.valueOf("C"), 0);
    assertThat(rows.get("b", 0)).as("b was read least recently").isNull();
    assertThat(rows.get("a", 0)).isNotNull();
    rows.forget(List.of("a"));
    assertThat(rows.get("a", 0)).isNull();
    assertThat(rows.get("c", 1)).as("a rebuild or a compaction happened").isNull();
    rows.put("d", TextNode.valueOf("D"), 0);
    assertThat(rows.size()).as("a row read in an old epoch is not kept").isZero();
  }
}
