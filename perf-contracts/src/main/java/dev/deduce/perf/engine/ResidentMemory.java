package dev.deduce.perf.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads this process's resident set size from {@code /proc/self/status}. */
final class ResidentMemory {

  private static final Path STATUS = Path.of("/proc/self/status");

  private ResidentMemory() {}

  static boolean available() {
    return Files.isReadable(STATUS);
  }

  /** VmRSS after a full collection, so that garbage awaiting the collector is not counted as growth. */
  static long settledBytes() throws InterruptedException {
    System.gc();
    Thread.sleep(100);
    System.gc();
    return bytes();
  }

  static long bytes() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
          return Long.parseLong(kb) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + STATUS, e);
    }
    throw new IllegalStateException(STATUS + " has no VmRSS line");
  }
}
