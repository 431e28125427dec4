package dev.deduce.engine.tf.jmh;

import java.nio.file.Path;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/** mlp-large served the way a program using TF Java directly would: its session, feed x, fetch probs. */
final class RawSession implements AutoCloseable {

  private final SavedModelBundle bundle;
  private final Session session;
  private final Output<?> x;
  private final Output<?> probs;

  RawSession(Path folder, int intraOpThreads) {
    bundle = SavedModelBundle.loader(folder.toString()).withTags("serve")
        .withConfigProto(ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOpThreads)
            .putDeviceCount("GPU", 0).build())
        .load();
    session = bundle.session();
    x = bundle.graph().output("x:0");
    probs = bundle.graph().output("probs:0");
  }

  /** Runs {@code rows} rows of 256 features; thread-safe, as TensorFlow sessions are. */
  float[] run(float[] input, int rows) {
    try (TFloat32 in = TFloat32.tensorOf(Shape.of(rows, 256), DataBuffers.of(input, true, false));
        Result r = session.runner().feed(x, in).fetch(probs).run()) {
      float[] out = new float[rows * 10];
      ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
      return out;
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
