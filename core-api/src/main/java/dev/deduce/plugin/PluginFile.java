package dev.deduce.plugin;

import dev.deduce.plugin.PluginProblem.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pf4j.DefaultVersionManager;
import org.pf4j.VersionManager;

/**
 * A plugin file as read before any of its code is loaded: digest, trust, manifest and core-api compatibility.
 *
 * @param source     the file in the plugins folder
 * @param loadPath   the file PF4J loads: the source, or the host's private copy of it when digests are checked
 * @param sha256     the digest of {@code loadPath}, lower-case hex
 * @param id         Plugin-Id
 * @param version    Plugin-Version
 * @param nativeCode whether the manifest says {@code Plugin-Native: true}
 * @param zip        whether it is a zip ({@code classes/} and {@code lib/}) rather than a jar
 */
record PluginFile(Path source, Path loadPath, String sha256, String id, String version, boolean nativeCode,
    boolean zip) {

  static final String NATIVE = "Plugin-Native";
  private static final String ZIP_MANIFEST = "classes/META-INF/MANIFEST.MF";
  private static final VersionManager VERSIONS = new DefaultVersionManager();

  /** A file the host refuses, with the reason. */
  static final class Rejected extends Exception {
    final Reason reason;

    Rejected(Reason reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }
  }

  /**
   * Reads and checks {@code loadPath}.
   *
   * @param trusted     the allowlist of digests, or null when every file is trusted
   * @param digests     where digests of unchanged files are remembered, or null to hash every file; not used with
   *                    an allowlist, which hashes every file
   * @param coreRelease the host's core-api version without qualifier, e.g. {@code 0.1.0}
   * @param coreFull    the host's full core-api version, for messages
   */
  static PluginFile inspect(Path source, Path loadPath, Set<String> trusted, UnpackCache digests, String coreRelease,
      String coreFull) throws Rejected {
    String digest = trusted == null && digests != null ? remembered(loadPath, digests) : sha256(loadPath);
    if (trusted != null && !trusted.contains(digest)) {
      throw new Rejected(Reason.UNTRUSTED, "SHA-256 " + digest + " is not on the allowlist of trusted plugin "
          + "digests; add it to trust this file", null);
    }
    boolean zip = source.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip");
    Attributes main = manifest(loadPath, zip).getMainAttributes();
    String id = required(main, "Plugin-Id");
    String version = required(main, "Plugin-Version");
    checkRequires(main.getValue("Plugin-Requires"), coreRelease, coreFull);
    boolean nativeCode = "true".equalsIgnoreCase(trim(main.getValue(NATIVE)));
    return new PluginFile(source, loadPath, digest, id, version, nativeCode, zip);
  }

  private static String remembered(Path file, UnpackCache digests) throws Rejected {
    Optional<String> known = digests.digest(file);
    if (known.isPresent()) {
      return known.get();
    }
    String stamp;
    try {
      stamp = UnpackCache.stamp(file); // before hashing: a file changed meanwhile gets another stamp next time
    } catch (IOException e) {
      throw new Rejected(Reason.CORRUPT, "cannot be read: " + e.getMessage(), e);
    }
    String digest = sha256(file);
    digests.remember(file, stamp, digest);
    return digest;
  }

  private static String sha256(Path file) throws Rejected {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new Rejected(Reason.CORRUPT, "cannot be read: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256, which every Java runtime must provide", e);
    }
  }

  private static Manifest manifest(Path file, boolean zip) throws Rejected {
    String expected = zip ? ZIP_MANIFEST : JarFile.MANIFEST_NAME;
    try (ZipFile archive = zip ? new ZipFile(file.toFile()) : new JarFile(file.toFile())) {
      ZipEntry entry = archive.getEntry(expected);
      if (entry == null) {
        throw new Rejected(Reason.BAD_MANIFEST, "has no " + expected + "; expected one with Plugin-Id and "
            + "Plugin-Version (see the deduce-plugin packaging convention in the parent pom)", null);
      }
      try (InputStream in = archive.getInputStream(entry)) {
        return new Manifest(in);
      }
    } catch (IOException e) {
      throw new Rejected(Reason.CORRUPT, "is not a readable " + (zip ? "zip" : "jar") + " archive (" + e.getMessage()
          + "); expected a PF4J plugin .jar, or a .zip with classes/ and lib/", e);
    }
  }

  private static String required(Attributes main, String name) throws Rejected {
    String value = trim(main.getValue(name));
    if (value.isEmpty()) {
      throw new Rejected(Reason.BAD_MANIFEST, "manifest lacks " + name + "; expected Plugin-Id and Plugin-Version "
          + "(see the deduce-plugin packaging convention in the parent pom)", null);
    }
    return value;
  }

  private static void checkRequires(String raw, String coreRelease, String coreFull) throws Rejected {
    String requires = trim(raw);
    if (requires.isEmpty() || requires.equals("*")) {
      return;
    }
    // PF4J reads a bare x.y.z as ">= x.y.z"; the host does the same.
    String constraint = requires.matches("\\d+\\.\\d+\\.\\d+") ? ">=" + requires : requires;
    boolean satisfied;
    try {
      satisfied = VERSIONS.checkVersionConstraint(coreRelease, constraint);
    } catch (RuntimeException e) {
      throw new Rejected(Reason.BAD_MANIFEST, "Plugin-Requires '" + requires + "' is not a version constraint ("
          + e.getMessage() + "); expected e.g. 0.1.0 or >=0.1.0 & <1.0.0", e);
    }
    if (!satisfied) {
      throw new Rejected(Reason.INCOMPATIBLE, "requires core-api " + constraint + " but this host runs core-api "
          + coreFull + "; use a build of the plugin made for this core-api, or upgrade the host", null);
    }
  }

  private static String trim(String value) {
    return value == null ? "" : value.trim();
  }
}
