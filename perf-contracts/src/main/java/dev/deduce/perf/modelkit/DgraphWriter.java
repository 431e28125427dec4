package dev.deduce.perf.modelkit;

import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import java.io.IOException;
import java.nio.file.Path;

/** Writes the reference engine's own {@code deduce-graph} files ({@code .dgraph}). */
public final class DgraphWriter implements ModelWriter {

  @Override
  public String format() {
    return ReferenceEngine.FORMAT;
  }

  @Override
  public String extension() {
    return ".dgraph";
  }

  @Override
  public Path write(ReferenceGraph graph, Path folder) throws IOException {
    Path file = folder.resolve(graph.name() + extension());
    graph.write(file);
    return file;
  }
}
