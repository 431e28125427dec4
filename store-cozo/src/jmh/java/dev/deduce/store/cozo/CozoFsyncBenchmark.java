package dev.deduce.store.cozo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The floor under every durable write: appending a 1 KB record to a file in the same temporary folder the store
 * benchmarks use and forcing it to disk, as the data log does once per store call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CozoFsyncBenchmark {

  Path dir;
  FileChannel channel;
  final ByteBuffer record = ByteBuffer.allocate(1024);

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("cozo-jmh");
    channel = FileChannel.open(dir.resolve("fsync.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    channel.close();
  }

  @Benchmark
  public void appendAndForce() throws IOException {
    record.clear();
    channel.write(record);
    channel.force(false);
  }
}
