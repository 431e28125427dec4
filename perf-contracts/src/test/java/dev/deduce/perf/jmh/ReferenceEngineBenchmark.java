package dev.deduce.perf.jmh;

import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** The cost of the engine layer on the reference engine: LoadedModel.run vs ReferenceGraph.evaluate on mlp-small. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ReferenceEngineBenchmark {

  @Param({"1", "64"})
  int batch;

  private ReferenceGraph graph;
  private LoadedModel model;
  private NamedTensors inputs;
  private Path folder;

  @Setup
  public void setUp() throws IOException {
    ReferenceModel kit = ModelKit.mlpSmall();
    graph = kit.graph();
    folder = Files.createTempDirectory("deduce-jmh");
    Path file = new DgraphWriter().write(graph, folder);
    model = new ReferenceEngine().load(ModelSource.of(kit.name(), "1", file, ReferenceEngine.FORMAT));
    inputs = kit.inputs(batch);
  }

  @TearDown
  public void tearDown() throws IOException {
    model.close();
    try (var files = Files.list(folder)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(folder);
  }

  /** Through the engine SPI: validation against the signature, then evaluation. */
  @Benchmark
  public NamedTensors engineRun() {
    return model.run(inputs);
  }

  /** The graph alone. */
  @Benchmark
  public NamedTensors graphEvaluate() {
    return graph.evaluate(inputs);
  }
}
