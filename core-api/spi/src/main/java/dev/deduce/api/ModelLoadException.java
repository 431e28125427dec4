package dev.deduce.api;

import java.nio.file.Path;

/** A model file or folder could not be loaded; the message names it. */
public class ModelLoadException extends DeduceException {

  private final transient Path path;

  /** Loading {@code path} failed for the reason in {@code message}. */
  public ModelLoadException(Path path, String message) {
    this(path, message, null);
  }

  /** Loading {@code path} failed for the reason in {@code message}, caused by {@code cause}. */
  public ModelLoadException(Path path, String message, Throwable cause) {
    super(ErrorKind.MODEL_LOAD, "cannot load model " + path + ": " + message, cause);
    this.path = path;
  }

  /** A load failure known only by its message, e.g. read back from a store: {@link #path()} is null. */
  ModelLoadException(String message) {
    super(ErrorKind.MODEL_LOAD, message, null);
    this.path = null;
  }

  /** The file or folder that failed to load; null when rebuilt from a message by {@link ErrorKind#exception}. */
  public Path path() {
    return path;
  }
}
