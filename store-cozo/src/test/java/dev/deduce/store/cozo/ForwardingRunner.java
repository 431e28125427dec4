package dev.deduce.store.cozo;

/** A runner that hands every call to another, so a test overrides only the calls it counts or breaks. */
class ForwardingRunner implements CozoRunner {
  final CozoRunner real;

  ForwardingRunner(CozoRunner real) {
    this.real = real;
  }

  @Override
  public String run(String script, String paramsJson, boolean immutable) {
    return real.run(script, paramsJson, immutable);
  }

  @Override
  public String exportRelations(String requestJson) {
    return real.exportRelations(requestJson);
  }

  @Override
  public String importRelations(String dataJson) {
    return real.importRelations(dataJson);
  }

  @Override
  public void close() {
    real.close();
  }
}
