package dev.deduce.store.sqlite;

import dev.deduce.api.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;

/** Checks a database path before SQLite touches it, so that a wrong path is reported and never written. */
final class DatabaseFile {

  private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  private DatabaseFile() {}

  /** The absolute path of {@code location}, after checking it can hold a writable SQLite database. */
  static Path check(Path location) {
    Path file = location.toAbsolutePath().normalize();
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new StoreException("cannot open SQLite store at " + file + ": directory " + dir
          + " does not exist; expected the database file's directory to exist (it is not created)");
    }
    if (file.toString().indexOf('?') >= 0) {
      // sqlite-jdbc reads everything after '?' in its URL as connection parameters
      throw new StoreException("cannot open SQLite store at " + file + ": the path contains '?'; expected a path "
          + "without it");
    }
    if (Files.isDirectory(file)) {
      throw new StoreException("cannot open SQLite store at " + file + ": it is a directory; expected a database "
          + "file (existing, or to be created)");
    }
    if (!writable(dir)) {
      throw new StoreException("cannot open SQLite store at " + file + ": directory " + dir + " is read-only; "
          + "expected a writable directory, which SQLite needs for its -wal and -shm files");
    }
    if (Files.exists(file)) {
      if (!Files.isRegularFile(file)) {
        throw new StoreException("cannot open SQLite store at " + file + ": it is not a regular file");
      }
      if (!writable(file)) {
        throw new StoreException("cannot open SQLite store at " + file + ": the file is read-only; expected a "
            + "writable database file");
      }
      checkHeader(file);
    }
    return file;
  }

  private static void checkHeader(Path file) {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(SQLITE_HEADER.length);
    } catch (IOException e) {
      throw new StoreException("cannot open SQLite store at " + file + ": cannot read it: " + e.getMessage(), e);
    }
    // An empty file is a new database to SQLite; anything else must carry the SQLite header.
    if (head.length > 0 && !Arrays.equals(head, SQLITE_HEADER)) {
      throw new StoreException("cannot open SQLite store at " + file + ": the file is not an SQLite database "
          + "(it does not start with \"SQLite format 3\"); expected an SQLite database or a new path. "
          + "The file was left untouched.");
    }
  }

  /**
   * Whether {@code path} may be written. Root passes access(2) checks on any file, so a file with no write bit at
   * all is also treated as read-only: it was marked so on purpose.
   */
  private static boolean writable(Path path) {
    if (!Files.isWritable(path)) {
      return false;
    }
    PosixFileAttributeView posix = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (posix == null) {
      return true;
    }
    try {
      Set<PosixFilePermission> perms = posix.readAttributes().permissions();
      return perms.contains(PosixFilePermission.OWNER_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)
          || perms.contains(PosixFilePermission.OTHERS_WRITE);
    } catch (IOException e) {
      return true;
    }
  }
}
