package dev.deduce.perf.sla;

import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The command line's {@code --log-level}: how much Deduce and the plugins log through SLF4J (the {@code -cli} jar's
 * slf4j-simple) and java.util.logging, so their lines stay out of the way of the SLA output.
 */
final class Logging {

  /** The levels {@code --log-level} takes, quietest first. */
  static final List<String> LEVELS = List.of("off", "error", "warn", "info", "debug");

  /** The level used when {@code --log-level} is not given. */
  static final String DEFAULT = "warn";

  private static final Map<String, Level> JUL = Map.of("off", Level.OFF, "error", Level.SEVERE, "warn",
      Level.WARNING, "info", Level.INFO, "debug", Level.FINE);

  private Logging() {
  }

  /**
   * Sets {@code level} for both logging systems. slf4j-simple reads its level once, when the first logger is made,
   * so this takes effect for SLF4J only when it runs before anything logs, as it does in {@link SlaMain#main}; a
   * level set with {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} wins.
   */
  static void apply(String level) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    }
    Logger root = Logger.getLogger("");
    root.setLevel(JUL.get(level));
    for (Handler h : root.getHandlers()) {
      h.setLevel(JUL.get(level));
    }
  }
}
