package dev.deduce.runtime.internal.serving;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.LoadedModel;

/** A loaded model served under a narrower signature than its engine reports, as a model config declared it. */
final class SignatureOverride implements LoadedModel {

  private final LoadedModel model;
  private final ModelSignature signature;

  SignatureOverride(LoadedModel model, ModelSignature signature) {
    this.model = model;
    this.signature = signature;
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    return model.run(inputs);
  }

  @Override
  public NamedTensors runAdmitted(NamedTensors inputs) {
    return model.runAdmitted(inputs);
  }

  @Override
  public void close() {
    model.close();
  }
}
