package dev.deduce.engine.onnx.jmh;

import ai.onnxruntime.OrtException;
import dev.deduce.engine.onnx.jmh.OnnxBatchedThroughputBenchmark.Raw;
import dev.deduce.engine.onnx.jmh.OnnxBatchedThroughputBenchmark.RawBatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The batching ceiling of {@link OnnxBatchedThroughputBenchmark} run beside one other busy thread. A served model
 * cannot leave the other cores idle (its callers and the batch finisher run there), so this asks how much of the
 * engine's own batch throughput survives any work next to it: {@code spin} is arithmetic in registers,
 * {@code copy} streams 16 MB arrays through memory. Compare {@code ceiling}'s score with
 * {@code OnnxBatchedThroughputBenchmark.ceilingRawOrtSessionRunOfRows} in the same run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OnnxCeilingBesideWorkBenchmark {

  /** What the second thread does. */
  @State(Scope.Group)
  public static class Neighbour {
    @Param({"spin", "copy"})
    String work;

    int[] from;
    int[] to;

    @Setup
    public void allocate() {
      if (work.equals("copy")) {
        from = new int[4 << 20];
        to = new int[4 << 20];
      }
    }
  }

  /** The ceiling's run, as in {@link OnnxBatchedThroughputBenchmark}, while the neighbour works. */
  @Benchmark
  @Group("besideWork")
  @GroupThreads(1)
  public float[] ceiling(Raw raw, RawBatch in) throws OrtException {
    return OnnxBatchedThroughputBenchmark.runRows(raw, in);
  }

  /** The neighbour: one unit of its work per call. */
  @Benchmark
  @Group("besideWork")
  @GroupThreads(1)
  public void neighbour(Neighbour n, Blackhole hole) {
    if (n.from == null) {
      Blackhole.consumeCPU(4096);
    } else {
      System.arraycopy(n.from, 0, n.to, 0, n.from.length);
      hole.consume(n.to);
    }
  }
}
