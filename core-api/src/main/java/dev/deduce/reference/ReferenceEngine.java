package dev.deduce.reference;

import dev.deduce.api.EngineException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A pure-Java engine for {@link ReferenceGraph} files (format {@code deduce-graph}, extension {@code .dgraph}).
 *
 * <p>A real engine on a tiny scale: the runtime tests and the contract suites use it as an oracle and as a baseline.
 */
public final class ReferenceEngine implements InferenceEngine {

  /** The engine id. */
  public static final String ID = "reference";
  /** The format id. */
  public static final String FORMAT = "deduce-graph";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<String> formats() {
    return Set.of(FORMAT);
  }

  @Override
  public boolean threadSafeModels() {
    return true;
  }

  @Override
  public LoadedModel load(ModelSource source) {
    source.requireFormat(formats());
    source.requireKnownOptions(Set.of());
    try {
      if (Files.isDirectory(source.path())) {
        throw new ModelLoadException(source.path(), "is a folder; expected a .dgraph file");
      }
      if (Files.size(source.path()) == 0) {
        throw new ModelLoadException(source.path(), "file is empty; expected a deduce-graph model");
      }
      return new Loaded(ReferenceGraph.read(source.path()));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(source.path(), "file does not exist", e);
    } catch (IOException e) {
      throw new ModelLoadException(source.path(), e.getMessage(), e);
    }
  }

  /** Wraps a graph as a model; wrapping an in-memory graph lets tests skip the file. */
  public static LoadedModel wrap(ReferenceGraph graph) {
    return new Loaded(graph);
  }

  private static final class Loaded implements LoadedModel {
    private final ReferenceGraph graph;
    private final AtomicBoolean closed = new AtomicBoolean();

    Loaded(ReferenceGraph graph) {
      this.graph = graph;
    }

    @Override
    public ModelSignature signature() {
      return graph.signature();
    }

    @Override
    public NamedTensors run(NamedTensors inputs) {
      graph.signature().validate(inputs);
      return runAdmitted(inputs);
    }

    @Override
    public NamedTensors runAdmitted(NamedTensors inputs) {
      if (closed.get()) {
        throw new EngineException("model '" + graph.name() + "' is closed; expected an open model");
      }
      return graph.evaluate(inputs);
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }
}
