package dev.deduce.perf.modelkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A reference model materialised by a {@link ModelWriter} in a fresh temporary folder, deleted on close. */
public final class WrittenModel implements AutoCloseable {

  private final Path folder;
  private final Path path;

  private WrittenModel(Path folder, Path path) {
    this.folder = folder;
    this.path = path;
  }

  /** Writes {@code model} with {@code writer} into a new temporary folder. */
  public static WrittenModel write(ModelWriter writer, ReferenceModel model) throws IOException {
    Path folder = Files.createTempDirectory("deduce-" + model.name());
    try {
      return new WrittenModel(folder, writer.write(model.graph(), folder));
    } catch (IOException | RuntimeException e) {
      delete(folder);
      throw e;
    }
  }

  /** The model's path, a file or a folder, as the writer returned it. */
  public Path path() {
    return path;
  }

  /** Deletes the temporary folder and everything in it. */
  @Override
  public void close() {
    try {
      delete(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + folder, e);
    }
  }

  private static void delete(Path folder) throws IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
