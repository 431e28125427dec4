package dev.deduce.store.cozo;

/**
 * One CozoDB engine instance, speaking Cozo's own JSON in and out. Not thread-safe: callers serialise access.
 *
 * <p>Kept small so the WebAssembly runtime can change without touching the store: {@link WasmtimeCozoRunner}
 * (machine code through a JNI binding that has had no release since 2023) and {@link ChicoryCozoRunner} (pure Java)
 * today, store option {@code runner} choosing between them.
 */
interface CozoRunner extends AutoCloseable {

  /** Runs {@code script} with {@code paramsJson} bound; Cozo's result JSON, {@code "ok": false} on a Cozo error. */
  String run(String script, String paramsJson, boolean immutable);

  /** Cozo's {@code export_relations}: {@code {"relations": [names]}} in, relation data JSON out. */
  String exportRelations(String requestJson);

  /** Cozo's {@code import_relations}: relation data JSON in, {@code {"ok": ...}} out. */
  String importRelations(String dataJson);

  /** Frees the instance. */
  @Override
  void close();
}
