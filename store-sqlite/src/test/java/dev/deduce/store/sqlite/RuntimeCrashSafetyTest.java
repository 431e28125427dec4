package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.RuntimeCrashWriter.HELD;
import static dev.deduce.store.sqlite.RuntimeCrashWriter.MODEL;
import static dev.deduce.store.sqlite.RuntimeCrashWriter.SERVED;
import static dev.deduce.store.sqlite.RuntimeCrashWriter.VERSION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.perf.engine.Tolerance;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.List;

/**
 * Kills a JVM that submits through a DURABLE runtime on the SQLite store with SIGKILL, then checks the store and the
 * recovery of a new runtime on it: the runtime-level counterpart of {@link CrashSafetyTest}.
 */
class RuntimeCrashSafetyTest {

  private static final int ACKS = 600;

  @TempDir
  Path dir;

  @Test
  void acknowledgedRequestsSurviveSigkillAndRecoverToDoneExactlyOnce() throws Exception {
    Path file = dir.resolve("runtime.db");
    Set<String> acked = acknowledgedBeforeKill(file);

    // 1. the file as the killed runtime left it
    Map<String, StoredRequest> afterCrash;
    try (Store store = open(file)) {
      afterCrash = byKey(store);
      assertSound(store);
    }
    for (String key : acked) {
      StoredRequest r = afterCrash.get(key);
      assertThat(r).as("acknowledged request %s after the crash", key).isNotNull();
      assertThat(r.status()).as("status of %s after the crash", key).isIn(RequestStatus.PENDING, RequestStatus.DONE);
      if (r.request().model().equals(HELD)) {
        assertThat(r.status()).as("%s waited for a batch that never filled", key).isEqualTo(RequestStatus.PENDING);
      }
    }
    afterCrash.values().stream().filter(r -> r.status() == RequestStatus.DONE).forEach(this::assertOracleAnswer);
    Set<String> pending = afterCrash.values().stream().filter(r -> r.status() == RequestStatus.PENDING)
        .map(StoredRequest::requestId).collect(Collectors.toSet());
    assertThat(pending).as("requests left to recover").isNotEmpty();
    System.out.printf("RuntimeCrashSafetyTest: %d acknowledged before SIGKILL; %d stored, %d of them DONE and %d "
        + "PENDING%n", acked.size(), afterCrash.size(), afterCrash.size() - pending.size(), pending.size());

    // 2. a new runtime on the same file re-runs the PENDING requests once their models are deployed
    CountingModel served = new CountingModel(ReferenceEngine.wrap(MODEL.graph()));
    CountingModel held = new CountingModel(ReferenceEngine.wrap(MODEL.graph()));
    Store store = open(file);
    try (DeduceRuntime runtime = RuntimeCrashWriter.runtime(store)) {
      // The counters prove each PENDING request ran once; the deploy-time invariance probe would add its own rows.
      runtime.deploy(SERVED, VERSION, served, RuntimeCrashWriter.roomy().checkInvariance(false).build());
      runtime.deploy(HELD, VERSION, held, RuntimeCrashWriter.roomy().checkInvariance(false).build());
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!store.pending().isEmpty() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(store.pending()).as("PENDING after recovery").isEmpty();
    }
    assertThat(served.rows.get() + held.rows.get()).as("rows the recovery ran: each PENDING request once, nothing "
        + "that was DONE").isEqualTo(pending.size());

    // 3. the file after recovery
    try (Store reopened = open(file)) {
      Map<String, StoredRequest> recovered = byKey(reopened);
      assertSound(reopened);
      assertThat(recovered.keySet()).isEqualTo(afterCrash.keySet());
      for (StoredRequest r : recovered.values()) {
        assertThat(r.status()).as("status of %s after recovery", r.requestId()).isEqualTo(RequestStatus.DONE);
        assertOracleAnswer(r);
        StoredRequest before = afterCrash.get(r.request().idempotencyKey());
        if (before.status() == RequestStatus.DONE) {
          assertThat(r).as("%s finished before the crash and is untouched", r.requestId()).isEqualTo(before);
        } else {
          assertThat(r.request()).as("recovered request %s", r.requestId()).isEqualTo(before.request());
        }
      }
    }
  }

  /** Runs the writer until it has acknowledged {@link #ACKS} requests, then kills it with SIGKILL. */
  private static Set<String> acknowledgedBeforeKill(Path file) throws Exception {
    Set<String> acked = new HashSet<>();
    Process writer = ChildJvm.start(RuntimeCrashWriter.class, file.toString());
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while (acked.size() < ACKS && (line = out.readLine()) != null) {
        if (line.startsWith(RuntimeCrashWriter.ACK)) {
          assertThat(acked.add(line.substring(RuntimeCrashWriter.ACK.length()))).as("acknowledged once: %s", line)
              .isTrue();
        }
      }
      assertThat(writer.isAlive()).as("still submitting when killed").isTrue();
    } finally {
      writer.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close(), no flush
      assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acked).hasSize(ACKS);
    return acked;
  }

  private static Store open(Path file) {
    return new SqliteStoreProvider().open(Records.config(file));
  }

  /** Every stored request by idempotency key, failing if a key or id comes twice. */
  private static Map<String, StoredRequest> byKey(Store store) {
    Map<String, StoredRequest> rows = new HashMap<>();
    Optional<HistoryQuery> next = Optional.of(HistoryQuery.all().withPageSize(HistoryQuery.MAX_PAGE_SIZE));
    while (next.isPresent()) {
      Page<StoredRequest> page = store.history(next.get());
      for (StoredRequest r : page.items()) {
        assertThat(rows.put(r.request().idempotencyKey(), r)).as("rows for key %s", r.request().idempotencyKey())
            .isNull();
      }
      next = next.get().next(page);
    }
    return rows;
  }

  private static void assertSound(Store store) {
    assertThat(query(store, "SELECT request_id, count(*) AS n FROM deduce_requests GROUP BY request_id HAVING n > 1",
        Map.of())).as("duplicated request ids").isEmpty();
    assertThat(query(store, "SELECT * FROM pragma_integrity_check", Map.of()))
        .containsExactly(Map.of("integrity_check", "ok"));
  }

  private void assertOracleAnswer(StoredRequest r) {
    String key = r.request().idempotencyKey();
    NamedTensors expectedInputs = RuntimeCrashWriter.inputs(Long.parseLong(key.substring(1)));
    Tolerance.assertMatches(r.request().inputs(), expectedInputs, "stored inputs of " + key);
    Tolerance.assertMatches(r.outputs(), MODEL.expected(r.request().inputs()), "stored outputs of " + key);
  }

  /** The store's native query language, which this store always offers. */
  private static List<Map<String, Object>> query(Store s, String text, Map<String, Object> params) {
    return s.nativeQuery().orElseThrow().query(text, params);
  }
}
