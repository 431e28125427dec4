package dev.deduce.plugin;

/** The plugin host refused a start-up or an operation; the message says why and what to do instead. */
public class PluginHostException extends RuntimeException {

  /** A refusal explained by {@code message}. */
  public PluginHostException(String message) {
    super(message);
  }

  /** A refusal explained by {@code message}, caused by {@code cause}. */
  public PluginHostException(String message, Throwable cause) {
    super(message, cause);
  }
}
