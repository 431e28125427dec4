package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactionTest {

  static final int FLOATS = 25_000;

  @TempDir
  Path dir;

  CozoStore open(String compactMinBytes) {
    return (CozoStore) new CozoStoreProvider().open(new StoreConfig(dir, Map.of("compact.minBytes",
        compactMinBytes)));
  }

  static RequestRecord big(String id, int second) {
    RequestRecord r = Fixtures.request(id, second);
    return new RequestRecord(id, r.model(), r.version(), NamedTensors.of("x", Tensor.ofFloats(fill(second),
        FLOATS)), r.submittedAt(), r.deadline(), r.idempotencyKey());
  }

  static ResultRecord doneBig(RequestRecord r, float value) {
    return ResultRecord.done(r, "1", NamedTensors.of("y", Tensor.ofFloats(fill(value), FLOATS)),
        Fixtures.T0.plusSeconds(100), 1);
  }

  static float[] fill(float v) {
    float[] f = new float[FLOATS];
    java.util.Arrays.fill(f, v);
    return f;
  }

  @Test
  void compactionDropsUnreferencedTensorsAndKeepsEveryReferencedOne() throws Exception {
    try (CozoStore store = open("2000000000")) {
      RequestRecord a = big("a", 1);
      RequestRecord b = big("b", 2);
      store.append(List.of(a, b));
      store.complete(List.of(doneBig(a, 7)));
      // each of these writes tensors that nothing will reference: a is DONE already, and its first outcome wins
      store.append(List.of(a));
      store.complete(List.of(doneBig(a, 9)));
      store.complete(List.of(doneBig(a, 9)));
      long before = Files.size(dir.resolve(CozoStore.LOG));
      long after = store.compact();
      assertThat(after).isLessThan(before / 2);
      assertThat(dir.resolve(CozoStore.LOG)).doesNotExist();
      assertThat(Files.size(dir.resolve("data-1.log"))).isEqualTo(after);
      assertThat(store.get("a").orElseThrow().outputs().get("y").toFloatArray()).containsOnly(7f);
      assertThat(store.get("b").orElseThrow().request().inputs().get("x").toFloatArray()).containsOnly(2f);
      store.complete(List.of(doneBig(b, 3)));
    }
    try (CozoStore store = open("2000000000")) {
      assertThat(store.get("a").orElseThrow().outputs().get("y").toFloatArray()).containsOnly(7f);
      assertThat(store.get("a").orElseThrow().request().inputs().get("x").toFloatArray()).containsOnly(1f);
      assertThat(store.get("b").orElseThrow().outputs().get("y").toFloatArray()).containsOnly(3f);
      assertThat(store.compact()).isPositive();
      assertThat(dir.resolve("data-2.log")).exists();
      assertThat(dir.resolve("data-1.log")).doesNotExist();
    }
  }

  @Test
  void writesRacingACompactionAreAllKept() throws Exception {
    try (CozoStore store = open("2000000000")) {
      for (int i = 0; i < 40; i++) {
        store.append(List.of(big("early-" + i, i)));
      }
      List<Throwable> failures = new ArrayList<>();
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 40; i++) {
            RequestRecord r = big("late-" + i, i);
            store.append(List.of(r));
            store.complete(List.of(doneBig(r, i)));
          }
        } catch (Throwable t) {
          failures.add(t);
        }
      });
      writer.start();
      store.compact();
      writer.join();
      assertThat(failures).isEmpty();
    }
    try (CozoStore store = open("2000000000")) {
      for (int i = 0; i < 40; i++) {
        assertThat(store.get("early-" + i).orElseThrow().request().inputs().get("x").toFloatArray())
            .containsOnly((float) i);
        assertThat(store.get("late-" + i).orElseThrow().outputs().get("y").toFloatArray()).containsOnly((float) i);
        assertThat(store.get("late-" + i).orElseThrow().status()).isEqualTo(RequestStatus.DONE);
      }
    }
  }

  @Test
  void theLogIsCompactedInTheBackgroundOnceItDoubles() throws Exception {
    try (CozoStore store = open("1")) {
      for (int i = 0; i < 6; i++) {
        RequestRecord r = big("r" + i, i);
        store.append(List.of(r));
        store.append(List.of(r));
        store.awaitCompaction();
      }
      assertThat(store.get("r5").orElseThrow().request().inputs().get("x").toFloatArray()).containsOnly(5f);
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")))
          .singleElement().asString().startsWith("data-");
    }
    try (CozoStore store = open("2000000000")) {
      assertThat(store.get("r0").orElseThrow().request().inputs().get("x").toFloatArray()).containsOnly(0f);
    }
  }

  @Test
  void aCompactedLogThatNoSnapshotNamesIsDeletedAtOpen() throws Exception {
    try (CozoStore store = open("2000000000")) {
      store.append(List.of(big("a", 1)));
    }
    // what a crash between writing the new log and renaming the snapshot over leaves
    Files.write(dir.resolve("data-1.log"), new byte[] {1, 2, 3});
    try (CozoStore store = open("2000000000")) {
      assertThat(dir.resolve("data-1.log")).doesNotExist();
      assertThat(store.get("a")).isPresent();
    }
  }
}
