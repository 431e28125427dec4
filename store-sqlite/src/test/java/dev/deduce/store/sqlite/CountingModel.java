package dev.deduce.store.sqlite;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.spi.LoadedModel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A real model that counts its runs and the rows they held, so a crash test sees what re-ran after a restart. */
final class CountingModel implements LoadedModel {
  final AtomicInteger runs = new AtomicInteger();
  final AtomicLong rows = new AtomicLong();
  private final LoadedModel model;

  CountingModel(LoadedModel model) {
    this.model = model;
  }

  @Override
  public ModelSignature signature() {
    return model.signature();
  }

  @Override
  public NamedTensors run(NamedTensors inputs) {
    runs.incrementAndGet();
    rows.addAndGet(inputs.get(model.signature().inputs().get(0).name()).shape()[0]);
    return model.run(inputs);
  }

  @Override
  public void close() {
    model.close();
  }
}
