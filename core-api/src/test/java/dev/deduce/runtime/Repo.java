package dev.deduce.runtime;

import dev.deduce.repository.ModelRepository;
import dev.deduce.api.DataType;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/** Writes model repositories of reference models for the repository tests. */
final class Repo {

  /** A config that loads {@code model.dgraph} with the reference engine, batching with a short delay. */
  static final String CONF = "engine = reference\nfile = model.dgraph\nbatching.max-queue-delay = 1ms\n";

  final Path root;

  Repo(Path root) {
    this.root = root;
  }

  /** y = x + k over FLOAT32 [batch, 4]: every output tells which version computed it. */
  static ReferenceGraph plus(float k) {
    float[] identity = new float[16];
    for (int i = 0; i < 4; i++) {
      identity[i * 4 + i] = 1f;
    }
    return ReferenceGraph.builder("plus").input("x", DataType.FLOAT32, -1, 4)
        .dense("y", "x", 4, identity, new float[] {k, k, k, k}).output("y").build();
  }

  /** A version folder whose model adds the version number, with {@link #CONF}. */
  Path version(String model, long v) {
    return version(model, v, CONF);
  }

  Path version(String model, long v, String conf) {
    Path dir = dir(model, Long.toString(v));
    graph(dir.resolve("model.dgraph"), plus(v));
    write(dir.resolve("model.conf"), conf);
    return dir;
  }

  Path dir(String... parts) {
    Path dir = root;
    for (String p : parts) {
      dir = dir.resolve(p);
    }
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void graph(Path file, ReferenceGraph g) {
    try {
      g.write(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static DeduceRuntime runtime() {
    return Fixtures.runtime().engine(new ReferenceEngine()).build();
  }

  ModelRepository start(DeduceRuntime rt) {
    return ModelRepository.builder(rt, root).pollInterval(Duration.ZERO).start();
  }
}
