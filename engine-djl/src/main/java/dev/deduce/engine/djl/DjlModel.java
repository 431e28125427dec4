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
import dev.deduce.spi.LoadedModel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One DJL model; runs may overlap, close waits for them. Each run owns a child NDManager, so every native array a
 * run makes (inputs, intermediates, outputs) is freed when it ends; the model's own manager holds the weights until
 * close.
 */
final class DjlModel implements LoadedModel {

  private final String name;
  private final Model model;
  private final Block block;
  private final ModelSignature signature;
  private final long maxElements;
  // Per thread, as DJL's Predictor keeps one: it caches each parameter's array for the device on first use.
  private final ThreadLocal<ParameterStore> stores;
  // Read lock per run, write lock to close: weights must not be freed under a running call.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  DjlModel(String name, Model model, ModelSignature signature, long maxElements) {
    this.name = name;
    this.model = model;
    this.block = model.getBlock();
    this.signature = signature;
    this.maxElements = maxElements;
    this.stores = ThreadLocal.withInitial(() -> new ParameterStore(model.getNDManager(), false));
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new EngineException("model '" + name + "' is closed; expected an open model");
      }
      signature.validate(inputs, maxElements);
      return runOpen(inputs);
    } finally {
      lock.readLock().unlock();
    }
  }

  private NamedTensors runOpen(NamedTensors inputs) {
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
    List<TensorSpec> specs = signature.outputs();
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
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        model.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
