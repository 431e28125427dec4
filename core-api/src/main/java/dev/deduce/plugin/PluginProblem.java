package dev.deduce.plugin;

import java.util.Locale;
import java.util.Objects;

/**
 * A plugin the host disabled, and why.
 *
 * @param source  the plugin file, or {@code classpath} for a provider found on the host's classpath
 * @param reason  the kind of failure
 * @param message what was wrong and what was expected
 */
public record PluginProblem(String source, Reason reason, String message) {

  /** Rejects nulls. */
  public PluginProblem {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  /** Why a plugin was disabled; {@link #tag()} is the {@code reason} tag of {@code deduce.plugins.failed}. */
  public enum Reason {
    /** The file's SHA-256 digest is not on the allowlist; none of its code was loaded. */
    UNTRUSTED,
    /** The file cannot be read as a jar or zip archive. */
    CORRUPT,
    /** The manifest is missing, or lacks Plugin-Id or Plugin-Version, or has a malformed Plugin-Requires. */
    BAD_MANIFEST,
    /** Plugin-Requires asks for a newer core-api than the host runs. */
    INCOMPATIBLE,
    /** PF4J could not load the plugin's classes. */
    LOAD_FAILED,
    /** The plugin's start hook threw. */
    START_FAILED,
    /** An engine or store in the plugin could not be created or named. */
    EXTENSION_FAILED,
    /** A provider listed in META-INF/services on the host's classpath could not be loaded. */
    CLASSPATH_FAILED;

    /** The metric tag value, e.g. {@code bad_manifest}. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
