package dev.deduce.engine.djl.jmh;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.deduce.engine.djl.DjlBlockWriter;
import dev.deduce.engine.djl.DjlEngine;
import dev.deduce.engine.djl.ReferenceBlockFactory;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.spi.ModelSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** mlp-large as a DJL block model in a temporary folder, shared by the benchmarks' raw and Deduce paths. */
final class LargeMlp {

  final ReferenceModel kit = ModelKit.mlpLarge();
  final Path folder;
  final Path file;

  LargeMlp(int intraOpThreads) throws IOException {
    // PyTorch's thread pools are process-wide and the writer starts PyTorch: DJL's own property sets them for both
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
    folder = Files.createTempDirectory("deduce-jmh");
    file = new DjlBlockWriter().write(kit.graph(), folder);
  }

  ModelSource source(int intraOpThreads) {
    return new ModelSource(kit.name(), "1", file, DjlEngine.BLOCK,
        Map.of("intra-op-threads", Integer.toString(intraOpThreads)));
  }

  /** The model loaded with plain DJL: the block from the same factory, the weights from the same file. */
  Model rawModel() throws Exception {
    Model model = Model.newInstance(kit.name(), "PyTorch");
    model.setBlock(new ReferenceBlockFactory().newBlock(model, folder, Map.of("block.graph", kit.name()
        + ".dgraph")));
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      model.load(in);
    }
    return model;
  }

  void delete() throws IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * Raw DJL's usual translator: a direct native-order buffer of whole rows in (PyTorch uses it in place), the output
   * read into a Java array, as the Deduce path does.
   */
  static final class RowTranslator implements Translator<ByteBuffer, float[]> {
    @Override
    public NDList processInput(TranslatorContext ctx, ByteBuffer rows) {
      return new NDList(ctx.getNDManager().create(rows, new Shape(rows.capacity() / (256 * 4), 256),
          ai.djl.ndarray.types.DataType.FLOAT32));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      return list.singletonOrThrow().toFloatArray();
    }

    @Override
    public Batchifier getBatchifier() {
      return null;
    }
  }
}
