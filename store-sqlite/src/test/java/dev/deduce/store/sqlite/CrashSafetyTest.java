package dev.deduce.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.RequestStatus;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing JVM with SIGKILL and checks what it acknowledged. This is the store-level test; {@link
 * RuntimeCrashSafetyTest} does the same through a DURABLE runtime and checks recovery.
 */
class CrashSafetyTest {

  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedWriteSurvivesSigkillOnce() throws Exception {
    Path file = dir.resolve("crash.db");
    Set<String> appended = new LinkedHashSet<>();
    Set<String> completed = new HashSet<>();
    Process writer = ChildJvm.start(CrashWriter.class, file.toString());
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while (appended.size() < 1500 && (line = out.readLine()) != null) {
        (line.startsWith("A ") ? appended : completed).add(line.substring(2));
      }
      assertThat(writer.isAlive()).as("still writing when killed").isTrue();
    } finally {
      writer.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close()
      assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(appended).hasSizeGreaterThanOrEqualTo(1500);

    try (Store store = new SqliteStoreProvider().open(Records.config(file))) {
      for (String id : appended) {
        assertThat(store.get(id)).as("acknowledged %s", id).isPresent();
      }
      for (String id : completed) {
        assertThat(store.get(id).orElseThrow().status()).as("completed %s", id).isEqualTo(RequestStatus.DONE);
      }
      Set<String> pending = new HashSet<>();
      for (RequestRecord r : store.pending()) {
        assertThat(pending.add(r.requestId())).as("listed once: %s", r.requestId()).isTrue();
      }
      for (String id : appended) {
        if (!completed.contains(id)) {
          assertThat(pending).as("pending after the crash").contains(id);
        }
      }
      List<Map<String, Object>> duplicates = query(store, 
          "SELECT request_id, count(*) AS n FROM deduce_requests GROUP BY request_id HAVING n > 1", Map.of());
      assertThat(duplicates).isEmpty();
      assertThat(query(store, "SELECT * FROM pragma_integrity_check", Map.of()))
          .containsExactly(Map.of("integrity_check", "ok"));
    }
  }

  /** The store's native query language, which this store always offers. */
  private static List<Map<String, Object>> query(Store s, String text, Map<String, Object> params) {
    return s.nativeQuery().orElseThrow().query(text, params);
  }
}
