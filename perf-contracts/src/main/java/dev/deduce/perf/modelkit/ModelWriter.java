package dev.deduce.perf.modelkit;

import dev.deduce.reference.ReferenceGraph;
import java.io.IOException;
import java.nio.file.Path;

/** Materialises a reference graph in one engine format; engine modules add their formats by implementing it. */
public interface ModelWriter {

  /** The format id, as the engine's {@code formats()} names it, e.g. {@code onnx}. */
  String format();

  /** The file extension with its dot, e.g. {@code .onnx}, or empty for folder formats such as SavedModel. */
  String extension();

  /** Writes {@code graph} into {@code folder} and returns the model's path (a file, or a folder). */
  Path write(ReferenceGraph graph, Path folder) throws IOException;
}
