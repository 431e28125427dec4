package dev.deduce.engine.tf;

import dev.deduce.api.DataType;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.GuardedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/** One SavedModel session and the signature it serves; runs may overlap (TensorFlow sessions are thread-safe). */
final class TfModel extends GuardedModel {

  private static final Logger LOG = LoggerFactory.getLogger(TfModel.class);

  private final SavedModelBundle bundle;
  private final Session session;
  private final List<Output<?>> feeds;
  private final List<Output<?>> fetches;

  private TfModel(String name, SavedModelBundle bundle, ModelSignature signature, List<Output<?>> feeds,
      List<Output<?>> fetches) {
    super(name, signature);
    this.bundle = bundle;
    this.session = bundle.session();
    this.feeds = feeds;
    this.fetches = fetches;
  }

  /** Wraps {@code bundle} serving {@code def}; closes the bundle when the signature cannot be carried. */
  static TfModel open(String name, Path path, SavedModelBundle bundle, String key, SignatureDef def) {
    try {
      List<TensorSpec> inputs = new ArrayList<>();
      List<Output<?>> feeds = new ArrayList<>();
      List<TensorSpec> outputs = new ArrayList<>();
      List<Output<?>> fetches = new ArrayList<>();
      read(path, key, "input", def.getInputsMap(), bundle.graph(), inputs, feeds);
      read(path, key, "output", def.getOutputsMap(), bundle.graph(), outputs, fetches);
      ModelSignature signature = ModelSignature.batchedWhenDynamic(inputs, outputs);
      if (!signature.batched()) {
        LOG.info("model '{}' ({}) has no dynamic dimension 0 in every input and output {} -> {}; batching is off"
            + " for it", name, path, inputs, outputs);
      }
      return new TfModel(name, bundle, signature, List.copyOf(feeds), List.copyOf(fetches));
    } catch (RuntimeException e) {
      bundle.close();
      if (e instanceof ModelLoadException) {
        throw e;
      }
      throw new ModelLoadException(path, "cannot read signature '" + key + "' (" + e.getMessage() + ")", e);
    }
  }

  @Override
  protected NamedTensors runValidated(NamedTensors inputs) {
    List<Tensor> fed = new ArrayList<>(feeds.size());
    try {
      Session.Runner runner = session.runner();
      List<TensorSpec> specs = signature().inputs();
      for (int i = 0; i < specs.size(); i++) {
        Tensor t = TfTensors.toTf(inputs.get(specs.get(i).name()));
        fed.add(t);
        runner.feed(feeds.get(i), t);
      }
      fetches.forEach(runner::fetch);
      try (Result result = runner.run()) {
        NamedTensors.Builder out = NamedTensors.builder();
        List<TensorSpec> outs = signature().outputs();
        for (int i = 0; i < outs.size(); i++) {
          out.put(outs.get(i).name(), TfTensors.fromTf(result.get(i), outs.get(i).dtype()));
        }
        return out.build();
      }
    } catch (RuntimeException e) {
      if (e instanceof dev.deduce.api.DeduceException) {
        throw e;
      }
      throw Failures.run(name(), e);
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  @Override
  protected void release() {
    bundle.close();
  }

  private static void read(Path path, String key, String what, Map<String, TensorInfo> infos, Graph graph,
      List<TensorSpec> specs, List<Output<?>> outputs) {
    for (Map.Entry<String, TensorInfo> e : infos.entrySet()) {
      TensorInfo info = e.getValue();
      String where = "signature '" + key + "' " + what + " '" + e.getKey() + "'";
      if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
        throw new ModelLoadException(path, where + " is a " + info.getEncodingCase() + " tensor; expected a dense"
            + " tensor (sparse and composite tensors are not carried)");
      }
      DataType dtype = TfTensors.dtype(info.getDtype()).orElseThrow(() -> new ModelLoadException(path, where
          + " has dtype " + info.getDtype() + "; expected one of DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8,"
          + " DT_BOOL, DT_STRING"));
      TensorShapeProto shape = info.getTensorShape();
      if (shape.getUnknownRank()) {
        throw new ModelLoadException(path, where + " has an unknown rank; expected a signature that declares each"
            + " tensor's rank");
      }
      long[] dims = shape.getDimList().stream().mapToLong(d -> d.getSize() < 0 ? -1 : d.getSize()).toArray();
      specs.add(TensorSpec.of(e.getKey(), dtype, dims));
      Output<?> output = graph.output(info.getName());
      if (output == null) {
        throw new ModelLoadException(path, where + " names tensor '" + info.getName() + "', which the graph does"
            + " not have; expected a SavedModel whose signature matches its graph (" + Arrays.toString(dims) + ")");
      }
      outputs.add(output);
    }
  }
}
