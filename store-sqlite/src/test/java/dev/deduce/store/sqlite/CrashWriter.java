package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.Records.T0;

import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-process main: writes through the store until killed, printing {@code A id} once an append returned and
 * {@code C id} once a complete returned. Every third batch is completed; the rest stay pending.
 */
public final class CrashWriter {

  private CrashWriter() {}

  public static void main(String[] args) {
    Store store = new SqliteStoreProvider().open(Records.config(Path.of(args[0])));
    int batch = 32;
    for (int b = 0; ; b++) {
      List<RequestRecord> requests = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        int n = b * batch + i;
        requests.add(Records.request("req-" + n, "m", "1", T0.plusMillis(n)));
      }
      store.append(requests);
      StringBuilder acks = new StringBuilder();
      requests.forEach(r -> acks.append("A ").append(r.requestId()).append('\n'));
      System.out.print(acks);
      System.out.flush();
      if (b % 3 == 0) {
        store.complete(requests.stream().map(Records::done).toList());
        StringBuilder done = new StringBuilder();
        requests.forEach(r -> done.append("C ").append(r.requestId()).append('\n'));
        System.out.print(done);
        System.out.flush();
      }
    }
  }
}
