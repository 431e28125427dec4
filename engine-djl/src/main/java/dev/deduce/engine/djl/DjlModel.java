package dev.deduce.engine.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.deduce.api.DataType;
import dev.deduce.api.EngineException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.TensorSpec;
import dev.deduce.spi.GuardedModel;
import java.util.Arrays;
import java.util.List;

/**
 * One DJL model; runs may overlap, close waits for them ({@link GuardedModel}). Each run owns a child NDManager, so
 * every native array a run makes (inputs, intermediates, outputs) is freed when it ends; the model's own manager holds
 * the weights until close.
 */
final class DjlModel extends GuardedModel {

  private final Model model;
  private final Block block;
  // Per thread, as DJL's Predictor keeps one: it caches each parameter's array for the device on first use.
  private final ThreadLocal<ParameterStore> stores;

  DjlModel(String name, Model model, ModelSignature signature) {
    super(name, signature);
    this.model = model;
    this.block = model.getBlock();
    this.stores = ThreadLocal.withInitial(() -> new ParameterStore(model.getNDManager(), false));
  }

  @Override
  protected NamedTensors runValidated(NamedTensors inputs) {
    String name = name();
    ModelSignature signature = signature();
    NDList results;
    try (NDManager manager = model.getNDManager().newSubManager()) {
      // autograd is per thread in PyTorch; DJL switches it off only on the thread that started the engine
      JniUtils.setGradMode(false);
      NDList feeds = new NDList(signature.inputs().size());
      for (TensorSpec spec : signature.inputs()) {
        feeds.add(NdTensors.toNd(manager, inputs.get(spec.name())));
      }
      try {
        results = block.forward(stores.get(), feeds, false);
      } catch (RuntimeException e) {
        throw Failures.run(name, e);
      }
      return outputs(results);
    }
  }

  private NamedTensors outputs(NDList results) {
    String name = name();
    List<TensorSpec> specs = signature().outputs();
    if (results.size() != specs.size()) {
      throw new EngineException("model '" + name + "' returned " + results.size() + " outputs; its declared"
          + " signature has " + specs.size() + " " + specs + "; expected option outputs to match the model");
    }
    NamedTensors.Builder out = NamedTensors.builder();
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec spec = specs.get(i);
      NDArray array = results.get(i);
      DataType dtype = NdTensors.deduce(array.getDataType()).orElse(null);
      long[] shape = array.getShape().getShape();
      if (dtype != spec.dtype() || !spec.accepts(shape)) {
        String got = dtype == null ? array.getDataType().toString() : dtype.name();
        throw new EngineException("model '" + name + "' returned output " + i + " as " + got
            + Arrays.toString(shape) + "; its declared signature says " + spec + "; expected option outputs to"
            + " match the model");
      }
      out.put(spec.name(), NdTensors.fromNd(array, dtype));
    }
    return out.build();
  }

  @Override
  protected void release() {
    model.close();
  }
}
