package dev.deduce.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.pf4j.util.Unzip;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugin zips unpacked once, into a folder named by the zip's SHA-256: a later start (or a concurrent one, in this or
 * another process) reuses it instead of unpacking again. Each unpack goes to a private folder that is renamed into
 * place atomically, so a folder under its final name is always complete; the process that loses the race keeps the
 * winner's copy. A cache folder that other users could write to is refused, since what it holds is loaded as code.
 */
final class UnpackCache {

  private static final Logger LOG = LoggerFactory.getLogger(UnpackCache.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

  /** The folder of remembered digests, one file per plugin path (named by the path's SHA-256). */
  static final String DIGESTS = ".digests";

  private final Path dir;

  private UnpackCache(Path dir) {
    this.dir = dir;
  }

  /** The default folder: {@code deduce-plugin-cache-<user>} in the temporary folder. */
  static Path defaultDir() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "deduce-plugin-cache-" + user);
  }

  /**
   * The cache in {@code dir}, created owner-only if missing.
   *
   * @throws IOException when it cannot be created, or is not a folder only this user can write to
   */
  static UnpackCache open(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(d.getParent());
      try {
        Files.createDirectory(d, ownerOnly(d.getParent()));
      } catch (FileAlreadyExistsException raced) {
        // another start made it first; checked below like any existing folder
      }
    }
    if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(d + " is not a folder (or is a symbolic link); expected a plugin unpack cache folder");
    }
    PosixFileAttributeView view = Files.getFileAttributeView(d, PosixFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS);
    if (view != null) {
      PosixFileAttributes a = view.readAttributes();
      String me = System.getProperty("user.name");
      Set<PosixFilePermission> p = a.permissions();
      if (!a.owner().getName().equals(me) || p.contains(PosixFilePermission.GROUP_WRITE)
          || p.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(d + " is owned by " + a.owner().getName() + " with permissions "
            + PosixFilePermissions.toString(p) + "; expected a folder owned by " + me + " that only it can write to,"
            + " since plugin code is loaded from it");
      }
    }
    return new UnpackCache(d);
  }

  Path dir() {
    return dir;
  }

  /**
   * The SHA-256 recorded for {@code file} by {@link #remember}, while its size, modification time and file key are
   * still those recorded with it. Hashing every plugin at every start took most of the plugin host's start (a fresh
   * JVM hashed the 54 MB ONNX Runtime zip in 0.58 s). Only for hosts without trusted digests: an allowlist means
   * every file is hashed.
   */
  Optional<String> digest(Path file) {
    try {
      String recorded = Files.readString(memo(file)).trim();
      String stamp = stamp(file) + " ";
      return recorded.startsWith(stamp) ? Optional.of(recorded.substring(stamp.length())) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // none recorded, or unreadable: the caller hashes the file
    }
  }

  /** Records {@code sha256} for {@code file} as stamped by {@code stamp} (taken before the file was hashed). */
  void remember(Path file, String stamp, String sha256) {
    try {
      Files.createDirectories(dir.resolve(DIGESTS));
      Path tmp = Files.createTempFile(dir.resolve(DIGESTS), ".digest-", ".tmp");
      Files.writeString(tmp, stamp + " " + sha256);
      Files.move(tmp, memo(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not record the digest of {} ({}); it is hashed again at the next start", file, e.toString());
    }
  }

  /** What {@link #digest} compares: size, modification time (ns) and file key, which a rebuilt or copied file changes. */
  static String stamp(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return a.size() + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " " + a.fileKey();
  }

  private Path memo(Path file) {
    String path = file.toAbsolutePath().normalize().toString();
    try {
      return dir.resolve(DIGESTS).resolve(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(path.getBytes(StandardCharsets.UTF_8))));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256, which every Java runtime must provide", e);
    }
  }

  /** The unpacked folder of {@code zip}, whose SHA-256 is {@code sha256}: reused when present, else unpacked now. */
  Path unpacked(Path zip, String id, String sha256) throws IOException {
    Path target = dir.resolve(id.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + sha256);
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      return target;
    }
    Path tmp = Files.createTempDirectory(dir, ".unpacking-");
    try {
      new Unzip(zip.toFile(), tmp.toFile()).extract();
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      LOG.debug("unpacked plugin {} into {}", zip, target);
      return target;
    } catch (IOException e) {
      deleteTree(tmp);
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        // a concurrent start renamed its complete copy into place first (rename fails on a non-empty folder)
        return target;
      }
      throw new IOException("cannot rename the unpacked plugin into " + target + " (" + e.getMessage()
          + "); expected a writable plugin cache on a local file system", e);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path parent) throws IOException {
    return Files.getFileStore(parent).supportsFileAttributeView("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
  }

  private static void deleteTree(Path path) {
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not delete {}; it is left behind", path, e);
    }
  }
}
