package dev.deduce.flink.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * An exclusive lock beside a subtask's store file. The stores do not lock their files themselves, and two writers on
 * one SQLite file or Cozo folder corrupt it or interleave logs; this lock makes "one writer per file" checked, not
 * hoped for. A restarted subtask may briefly find its previous attempt still closing (same JVM or another task
 * manager on a shared disk), so acquiring waits up to a bound before it gives up naming the file.
 */
public final class StoreLock implements AutoCloseable {

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private StoreLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks {@code storeLocation + ".lock"}, waiting up to {@code wait} while another holder closes. */
  public static StoreLock acquire(Path storeLocation, Duration wait) {
    Path file = storeLocation.resolveSibling(storeLocation.getFileName() + ".lock");
    long end = System.nanoTime() + wait.toNanos();
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        while (true) {
          FileLock lock = tryLock(channel);
          if (lock != null) {
            return new StoreLock(file, channel, lock);
          }
          if (System.nanoTime() > end) {
            throw new IllegalStateException("store " + storeLocation + " is locked by another writer (" + file
                + ") for over " + wait.toSeconds() + " s; expected one writer per subtask file: does another job"
                + " or operator with the same uid use this store folder?");
          }
          Thread.sleep(50);
        }
      } catch (RuntimeException | InterruptedException e) {
        channel.close();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the lock on store " + storeLocation, e);
        }
        throw (RuntimeException) e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the lock file " + file + " of store " + storeLocation
          + "; expected a writable store folder", e);
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // this JVM holds it: an earlier attempt of this subtask that is still closing
    }
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the store lock " + file, e);
    }
  }
}
