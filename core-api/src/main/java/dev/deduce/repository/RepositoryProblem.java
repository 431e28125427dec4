package dev.deduce.repository;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Something in the model repository that could not be served: a bad folder, config or model file.
 *
 * @param model   the model folder's name
 * @param path    the file or folder at fault
 * @param message what was wrong and what was expected
 */
public record RepositoryProblem(String model, Path path, String message) {

  /** Rejects nulls. */
  public RepositoryProblem {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return message;
  }
}
