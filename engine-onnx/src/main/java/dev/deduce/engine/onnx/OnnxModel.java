package dev.deduce.engine.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.GuardedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One ONNX Runtime session; runs may overlap, close waits for them. */
final class OnnxModel extends GuardedModel {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

  private final OrtEnvironment env;
  private final OrtSession session;

  private OnnxModel(String name, OrtEnvironment env, OrtSession session, ModelSignature signature) {
    super(name, signature);
    this.env = env;
    this.session = session;
  }

  /** Wraps {@code session}, reading its signature; closes the session when the signature cannot be carried. */
  static OnnxModel open(String name, Path path, OrtEnvironment env, OrtSession session) {
    try {
      return new OnnxModel(name, env, session, signature(name, path, session));
    } catch (RuntimeException | OrtException e) {
      closeQuietly(session);
      if (e instanceof ModelLoadException) {
        throw (ModelLoadException) e;
      }
      throw new ModelLoadException(path, "cannot read the model's inputs and outputs (" + e.getMessage() + ")", e);
    }
  }

  @Override
  protected NamedTensors runValidated(NamedTensors inputs) {
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      for (TensorSpec spec : signature().inputs()) {
        feeds.put(spec.name(), OrtTensors.toOrt(env, inputs.get(spec.name())));
      }
      try (OrtSession.Result result = session.run(feeds)) {
        NamedTensors.Builder out = NamedTensors.builder();
        for (TensorSpec spec : signature().outputs()) {
          OnnxValue value = result.get(spec.name()).orElseThrow(() -> new EngineException("model '" + name()
              + "' returned no output '" + spec.name() + "'; expected every output of its signature"));
          out.put(spec.name(), OrtTensors.fromOrt((OnnxTensor) value, spec.dtype()));
        }
        return out.build();
      }
    } catch (OrtException e) {
      throw Failures.run(name(), e);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  protected void release() {
    closeQuietly(session);
  }

  private static ModelSignature signature(String name, Path path, OrtSession session) throws OrtException {
    ModelSignature signature = ModelSignature.batchedWhenDynamic(specs(path, "input", session.getInputInfo()),
        specs(path, "output", session.getOutputInfo()));
    if (!signature.batched()) {
      LOG.info("model '{}' ({}) has no dynamic dimension 0 in every input and output {} -> {}; batching is off for it",
          name, path, signature.inputs(), signature.outputs());
    }
    return signature;
  }

  private static List<TensorSpec> specs(Path path, String what, Map<String, NodeInfo> infos) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : infos.values()) {
      if (!(node.getInfo() instanceof TensorInfo)) {
        throw new ModelLoadException(path, what + " '" + node.getName() + "' is " + node.getInfo()
            + "; expected a tensor (sequences and maps are not carried)");
      }
      TensorInfo info = (TensorInfo) node.getInfo();
      DataType dtype = OrtTensors.dtype(info.onnxType).orElseThrow(() -> new ModelLoadException(path, what + " '"
          + node.getName() + "' has element type " + info.onnxType + "; expected one of "
          + Arrays.toString(DataType.values())));
      long[] shape = info.getShape();
      String[] given = info.getDimensionNames(); // ONNX dim_param, "" where the dimension has none
      List<String> names = new ArrayList<>();
      for (int i = 0; i < shape.length; i++) {
        shape[i] = shape[i] < 0 ? -1 : shape[i];
        String n = given != null && i < given.length && given[i] != null ? given[i] : "";
        names.add(shape[i] == -1 ? n : "");
      }
      specs.add(new TensorSpec(node.getName(), dtype, shape, names));
    }
    return specs;
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      LOG.warn("closing an ONNX Runtime session failed; its memory may stay allocated: {}", e.getMessage());
    }
  }
}
