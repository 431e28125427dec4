package dev.deduce.store.cozo;

import dev.deduce.spi.Store;
import java.nio.file.Path;
import java.util.List;

/** Child JVM for the SIGKILL test: writes until killed, printing each id only after the store call returned. */
public final class KillChild {

  private KillChild() {}

  public static void main(String[] args) {
    Store store = CozoStoreTest.open(Path.of(args[0]), args[1]);
    System.out.println("READY");
    for (int i = 0; ; i++) {
      String id = "req-" + i;
      var r = Fixtures.request(id, i);
      store.append(List.of(r));
      if (i % 3 == 0) {
        store.complete(List.of(Fixtures.done(r, i, 1, 0)));
        System.out.println("DONE " + id);
      } else {
        System.out.println("ACK " + id);
      }
      System.out.flush();
    }
  }
}
