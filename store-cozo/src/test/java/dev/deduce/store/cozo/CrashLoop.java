package dev.deduce.store.cozo;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link KillChild} against one folder again and again, SIGKILLing it after a number of acknowledged writes
 * each round, and records what every round acknowledged and how much its open replayed.
 */
final class CrashLoop {

  final Set<String> acked = new LinkedHashSet<>();
  final Set<String> done = new LinkedHashSet<>();
  final List<Integer> replayed = new ArrayList<>();
  final List<Integer> ackedPerRound = new ArrayList<>();
  private final Path folder;
  private final String runner;
  private final int completeEvery;
  private long next;

  CrashLoop(Path folder, String runner) {
    this(folder, runner, 3);
  }

  /** Children complete every {@code completeEvery}-th id they append (1: all of them). */
  CrashLoop(Path folder, String runner, int completeEvery) {
    this.folder = folder;
    this.runner = runner;
    this.completeEvery = completeEvery;
  }

  /** One round: a child opens the store, writes {@code writes} acknowledged ids, and is killed. */
  void round(int writes) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-XX:-DontCompileHugeMethods", "-D" + CozoCache.PROPERTY + "="
        + CozoCache.folder(), "-cp", System.getProperty("java.class.path"), KillChild.class.getName(),
        folder.toString(), runner, Long.toString(next),
        Integer.toString(completeEvery)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    int seen = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while (seen < writes && (line = out.readLine()) != null) {
        if (line.startsWith("REPLAYED ")) {
          replayed.add(Integer.parseInt(line.substring(9)));
        } else if (line.startsWith("ACK ")) {
          acked.add(line.substring(4));
          seen++;
        } else if (line.startsWith("DONE ")) {
          done.add(line.substring(5));
          seen++;
        }
      }
      child.destroyForcibly();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the killed child did not exit within 30 s");
      }
    }
    if (seen < writes) {
      throw new IllegalStateException("the child stopped after " + seen + " of " + writes + " writes; its "
          + "stderr above says why");
    }
    next += writes + 1;
    ackedPerRound.add(seen);
  }
}
