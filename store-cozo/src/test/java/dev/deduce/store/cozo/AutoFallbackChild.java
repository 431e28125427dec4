package dev.deduce.store.cozo;

import dev.deduce.spi.Store;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM for {@link AutoRunnerFallbackTest}: makes two {@code auto} runners and prints their classes, then opens
 * a store in {@code args[0]} with runner {@code auto} and prints whether a written request reads back.
 */
public final class AutoFallbackChild {

  private AutoFallbackChild() {}

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < 2; i++) {
      try (CozoRunner r = CozoRunners.AUTO.factory().get()) {
        System.out.println("RUNNER " + r.getClass().getSimpleName());
      }
    }
    Store store = CozoStoreTest.open(Path.of(args[0]), "auto");
    var request = Fixtures.request("req-1", 1);
    store.append(List.of(request));
    System.out.println("READ " + store.get("req-1").isPresent());
    store.close();
    System.out.flush();
  }
}
