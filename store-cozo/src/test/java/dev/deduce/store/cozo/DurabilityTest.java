package dev.deduce.store.cozo;

import static dev.deduce.store.cozo.Fixtures.done;
import static dev.deduce.store.cozo.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurabilityTest {

  @TempDir
  Path dir;

  @Test
  void tornLastLogRecordIsDroppedAndEarlierOnesKept() throws Exception {
    writeThreeAndCrash();
    Path journal = dir.resolve(CozoStore.LOG);
    long size = Files.size(journal);
    try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
      ch.truncate(size - 5); // the last record's bytes only partly reached the disk
    }
    try (Store store = CozoStoreTest.open(dir)) {
      assertThat(store.get("a")).isPresent();
      assertThat(store.get("b")).isPresent();
      assertThat(store.get("c")).isEmpty();
      store.append(List.of(request("d", 4)));
    }
    try (Store store = CozoStoreTest.open(dir)) {
      assertThat(store.history(HistoryQuery.all()).items()).extracting(StoredRequest::requestId)
          .containsExactly("d", "b", "a");
    }
  }

  @Test
  void lastRecordFailingItsCrcIsDropped() throws Exception {
    writeThreeAndCrash();
    flipByte(dir.resolve(CozoStore.LOG), Files.size(dir.resolve(CozoStore.LOG)) - 3);
    try (Store store = CozoStoreTest.open(dir)) {
      assertThat(store.get("b")).isPresent();
      assertThat(store.get("c")).isEmpty();
    }
  }

  @Test
  void corruptionBeforeIntactRecordsRefusesToOpen() throws Exception {
    writeThreeAndCrash();
    flipByte(dir.resolve(CozoStore.LOG), 12);
    assertThatThrownBy(() -> CozoStoreTest.open(dir)).isInstanceOf(StoreException.class)
        .hasMessageContaining("corrupt at byte 0");
  }

  @Test
  void snapshotPlusLogRestoreEverything() throws Exception {
    Path crashed = Files.createTempDirectory("cozo-crashed");
    try (Store store = CozoStoreTest.open(dir)) {
      store.append(List.of(request("a", 1), request("b", 2)));
      ((CozoStore) store).snapshot();
      store.complete(List.of(done(request("a", 1), 1, 0, 0)));
      // a crash now leaves a snapshot without a's outcome and a log with it
      Files.copy(dir.resolve(CozoStore.SNAPSHOT), crashed.resolve(CozoStore.SNAPSHOT));
      Files.copy(dir.resolve(CozoStore.LOG), crashed.resolve(CozoStore.LOG));
    }
    for (Path folder : List.of(crashed, dir)) {
      try (Store store = CozoStoreTest.open(folder)) {
        assertThat(store.get("a").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
        assertThat(store.get("a").orElseThrow().outputs().get("emb").toFloatArray()).containsExactly(1, 0, 0);
        assertThat(store.pending()).extracting(RequestRecord::requestId).containsExactly("b");
      }
    }
  }

  @Test
  void everyOutcomeScriptReplaysFromTheLogAloneAndTheFirstOutcomeStillWins() throws Exception {
    Path crashed = Files.createTempDirectory("cozo-crashed");
    try (Store store = CozoStoreTest.open(dir)) {
      store.append(List.of(request("a", 1)));
      // a known PENDING (update), b never seen (insert), then b again and c with a (insert refused: complete)
      store.complete(List.of(done(request("a", 1), 1, 0, 0)));
      store.complete(List.of(done(request("b", 2), 2, 0, 0)));
      store.complete(List.of(done(request("b", 2), 9, 9, 9)));
      store.complete(List.of(done(request("c", 3), 3, 0, 0), done(request("a", 1), 9, 9, 9)));
      assertThat(new File(dir.toFile(), CozoStore.SNAPSHOT)).doesNotExist();
      Files.copy(dir.resolve(CozoStore.LOG), crashed.resolve(CozoStore.LOG));
    }
    for (Path folder : List.of(crashed, dir)) {
      try (Store store = CozoStoreTest.open(folder)) {
        for (String id : List.of("a", "b", "c")) {
          StoredRequest s = store.get(id).orElseThrow();
          assertThat(s.status()).isEqualTo(RequestStatus.DONE);
          assertThat(s.outputs().get("emb").toFloatArray()).containsExactly(id.charAt(0) - 'a' + 1, 0, 0);
          assertThat(s.request().inputs().get("x").toFloatArray()).containsExactly(1, 2, 3);
        }
        assertThat(store.pending()).isEmpty();
      }
    }
  }

  @Test
  void newRequestsWithTheirResultsAreOneJournalCommitAndAStoredOneFallsBackToAppendThenComplete() throws Exception {
    Path crashed = Files.createTempDirectory("cozo-crashed");
    try (Store store = CozoStoreTest.open(dir)) {
      // a and b are new: one insert, a DONE and b PENDING
      store.appendAndComplete(List.of(request("a", 1), request("b", 2)), List.of(done(request("a", 1), 1, 0, 0)));
      // b is PENDING and d DONE already: each row is decided by append then complete, and d keeps its outcome
      store.complete(List.of(done(request("d", 4), 4, 0, 0)));
      store.appendAndComplete(List.of(request("b", 2), request("c", 3), request("d", 4)),
          List.of(done(request("b", 2), 2, 0, 0), done(request("c", 3), 3, 0, 0), done(request("d", 4), 9, 9, 9)));
      assertThat(new File(dir.toFile(), CozoStore.SNAPSHOT)).doesNotExist();
      Files.copy(dir.resolve(CozoStore.LOG), crashed.resolve(CozoStore.LOG));
    }
    List<String> commits = new ArrayList<>();
    Log.open(crashed.resolve(CozoStore.LOG), 0, commits).close();
    assertThat(commits).extracting(c -> c.substring(0, c.indexOf("\",\"params\"")))
        .containsExactly("{\"op\":\"insert", "{\"op\":\"insert", "{\"op\":\"append", "{\"op\":\"complete");
    for (Path folder : List.of(crashed, dir)) {
      try (Store store = CozoStoreTest.open(folder)) {
        for (String id : List.of("a", "b", "c", "d")) {
          StoredRequest s = store.get(id).orElseThrow();
          assertThat(s.status()).isEqualTo(RequestStatus.DONE);
          assertThat(s.outputs().get("emb").toFloatArray()).containsExactly(id.charAt(0) - 'a' + 1, 0, 0);
          assertThat(s.request().inputs().get("x").toFloatArray()).containsExactly(1, 2, 3);
        }
        assertThat(store.pending()).isEmpty();
      }
    }
  }

  @Test
  void logShorterThanItsSnapshotRefusesToOpen() throws Exception {
    try (Store store = CozoStoreTest.open(dir)) {
      store.append(List.of(request("a", 1)));
    }
    try (FileChannel ch = FileChannel.open(dir.resolve(CozoStore.LOG), StandardOpenOption.WRITE)) {
      ch.truncate(10);
    }
    assertThatThrownBy(() -> CozoStoreTest.open(dir)).isInstanceOf(StoreException.class)
        .hasMessageContaining("the snapshot covers");
  }

  @Test
  void damagedTensorIsReportedWhenRead() throws Exception {
    try (Store store = CozoStoreTest.open(dir)) {
      store.append(List.of(request("a", 1)));
    }
    flipByte(dir.resolve(CozoStore.LOG), 20); // inside a's input tensor, which the snapshot already covers
    try (Store store = CozoStoreTest.open(dir)) {
      assertThatThrownBy(() -> store.get("a")).isInstanceOf(StoreException.class).hasMessageContaining("CRC");
    }
  }

  @Test
  void panicPoisonsTheInstanceAndTheStoreRebuildsFromDisk() {
    FaultInjectingRunner[] last = new FaultInjectingRunner[1];
    CozoStore store = new CozoStore(dir, CozoStoreOptions.from(new dev.deduce.spi.StoreConfig(dir, Map.of())),
        () -> last[0] = new FaultInjectingRunner(new ChicoryCozoRunner()));
    try {
      store.append(List.of(request("a", 1)));
      FaultInjectingRunner before = last[0];
      before.failNextRun = true;
      assertThatThrownBy(() -> store.get("a")).isInstanceOf(StoreException.class)
          .hasMessageContaining("injected").hasMessageContaining("rebuilt");
      assertThat(last[0]).isNotSameAs(before);
      assertThat(before.closed).isTrue();
      assertThat(store.get("a")).isPresent();
    } finally {
      store.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"wasmtime", "chicory"})
  void sigkillLosesNoAcknowledgedWriteAndDuplicatesNothing(String runner) throws Exception {
    CrashLoop loop = new CrashLoop(dir, runner);
    loop.round(30);
    assertEveryAcknowledgedWriteIsStoredOnce(loop);
  }

  @Test
  void anOpenAfterRepeatedKillsReplaysOnlyWhatTheLastRunWrote() throws Exception {
    CrashLoop loop = new CrashLoop(dir, "wasmtime");
    for (int round = 0; round < 4; round++) {
      loop.round(60);
    }
    try (Store store = CozoStoreTest.open(dir)) {
      // at most one append and one complete per id of the last round; without snapshots after recovery an open
      // would replay all four rounds
      assertThat(((CozoStore) store).replayedAtOpen()).isPositive().isLessThanOrEqualTo(2 * 61);
    }
    assertEveryAcknowledgedWriteIsStoredOnce(loop);
    for (int round = 1; round < loop.replayed.size(); round++) {
      assertThat(loop.replayed.get(round)).as("replayed at the open of round " + round)
          .isLessThanOrEqualTo(2 * (loop.ackedPerRound.get(round - 1) + 1));
    }
  }

  private void assertEveryAcknowledgedWriteIsStoredOnce(CrashLoop loop) {
    try (Store store = CozoStoreTest.open(dir)) {
      List<String> all = new ArrayList<>();
      HistoryQuery q = HistoryQuery.all().withPageSize(1000);
      while (q != null) {
        Page<StoredRequest> page = store.history(q);
        page.items().forEach(s -> all.add(s.requestId()));
        q = q.next(page).orElse(null);
      }
      assertThat(all).doesNotHaveDuplicates();
      assertThat(all).containsAll(loop.acked).containsAll(loop.done);
      for (String id : loop.done) {
        assertThat(store.get(id).orElseThrow().status()).as(id).isEqualTo(RequestStatus.DONE);
      }
      Set<String> pending = new HashSet<>();
      store.pending().forEach(r -> pending.add(r.requestId()));
      assertThat(pending).containsAll(loop.acked);
    }
  }

  private void writeThreeAndCrash() throws Exception {
    // a child would be slower; copying the files before close() leaves exactly what a crash leaves
    Path crashed = Files.createTempDirectory(dir, "live");
    try (Store store = CozoStoreTest.open(crashed)) {
      store.append(List.of(request("a", 1)));
      store.append(List.of(request("b", 2)));
      store.append(List.of(request("c", 3)));
      Files.copy(crashed.resolve(CozoStore.LOG), dir.resolve(CozoStore.LOG));
    }
    assertThat(new File(dir.toFile(), CozoStore.SNAPSHOT)).doesNotExist();
  }

  private static void flipByte(Path file, long at) throws Exception {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      var b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
      ch.write(b, at);
    }
  }

  /** Wraps the real engine and makes one call fail as a panic does, to prove the store recovers. */
  static final class FaultInjectingRunner extends ForwardingRunner {
    boolean failNextRun;
    boolean closed;

    FaultInjectingRunner(CozoRunner real) {
      super(real);
    }

    @Override
    public String run(String script, String paramsJson, boolean immutable) {
      if (failNextRun) {
        failNextRun = false;
        throw new CozoPanicException("Cozo panicked: injected", null);
      }
      return super.run(script, paramsJson, immutable);
    }

    @Override
    public void close() {
      closed = true;
      super.close();
    }
  }
}
