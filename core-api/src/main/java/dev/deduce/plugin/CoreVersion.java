package dev.deduce.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The version of core-api, written into a resource at build time, that plugins' Plugin-Requires is checked against. */
final class CoreVersion {

  private static final String RESOURCE = "core-api.properties";
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");

  private CoreVersion() {
  }

  /** The full version, e.g. {@code 0.1.0-SNAPSHOT}. */
  static String full() {
    try (InputStream in = CoreVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("core-api is missing dev/deduce/plugin/" + RESOURCE + "; the build writes it");
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "").trim();
      if (!RELEASE.matcher(version).find()) {
        throw new IllegalStateException("core-api version '" + version + "' is not major.minor.patch");
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read dev/deduce/plugin/" + RESOURCE, e);
    }
  }

  /**
   * The release part, e.g. {@code 0.1.0} for {@code 0.1.0-SNAPSHOT}: PF4J's constraint syntax cannot name a
   * pre-release, and semver ranks {@code 0.1.0-SNAPSHOT} below the {@code >=0.1.0} its own plugins require.
   */
  static String release(String full) {
    Matcher m = RELEASE.matcher(full);
    if (!m.find()) {
      throw new IllegalArgumentException("version '" + full + "' is not major.minor.patch");
    }
    return m.group();
  }
}
