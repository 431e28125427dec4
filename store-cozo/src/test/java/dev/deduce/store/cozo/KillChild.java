package dev.deduce.store.cozo;

import dev.deduce.spi.Store;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM for the SIGKILL tests: opens the store in {@code args[0]} with runner {@code args[1]}, prints how many
 * commit records that open replayed, then writes ids from {@code args[2]} on until killed, printing each id only
 * after the store call returned. Every id is appended; every {@code args[3]}-th (default 3) is then completed.
 */
public final class KillChild {

  private KillChild() {}

  public static void main(String[] args) {
    Store store = CozoStoreTest.open(Path.of(args[0]), args[1]);
    System.out.println("REPLAYED " + ((CozoStore) store).replayedAtOpen());
    long from = args.length > 2 ? Long.parseLong(args[2]) : 0;
    int every = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    for (long i = from; ; i++) {
      String id = "req-" + i;
      var r = Fixtures.request(id, (int) i);
      store.append(List.of(r));
      if (i % every == 0) {
        store.complete(List.of(Fixtures.done(r, i, 1, 0)));
        System.out.println("DONE " + id);
      } else {
        System.out.println("ACK " + id);
      }
      System.out.flush();
    }
  }
}
