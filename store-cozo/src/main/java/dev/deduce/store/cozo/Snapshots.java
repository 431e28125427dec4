package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Whole-database snapshots written so a crash leaves either the old file or the new one, never half of either. */
final class Snapshots {

  private Snapshots() {}

  /** Writes {@code data} to {@code target}: temp file, fsync, rename over, fsync the folder; the bytes written. */
  static long write(Path target, JsonNode data) {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      byte[] bytes = CozoDb.JSON.writeValueAsBytes(data);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new StoreException("the file system under " + target.getParent()
            + " cannot rename atomically; expected a local POSIX or NTFS folder", e);
      }
      syncFolder(target.getParent());
      return bytes.length;
    } catch (IOException e) {
      throw new StoreException("cannot write snapshot " + target + ": " + e.getMessage(), e);
    }
  }

  /** The snapshot at {@code file}, or null when there is none yet. */
  static JsonNode read(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return CozoDb.JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new StoreException("snapshot " + file + " cannot be read: " + e.getMessage()
          + "; expected the JSON this store writes", e);
    }
  }

  // makes the rename itself durable; some platforms (Windows) cannot open a folder, and rename durably anyway
  private static void syncFolder(Path folder) {
    try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw new StoreException("cannot sync folder " + folder + ": " + e.getMessage(), e);
      }
    }
  }
}
