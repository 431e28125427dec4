package dev.deduce.store.cozo;

import java.nio.charset.StandardCharsets;

/**
 * Cozo's wasm-bindgen calling convention, shared by every runner: strings go in through {@code __wbindgen_malloc},
 * results come back through a return slot on the shadow stack, and a trap poisons the instance. A runner supplies
 * only linear memory and calls to the module's exports.
 */
abstract class BindgenRunner implements CozoRunner, WbgHost.Guest {

  /** The module exports the glue calls, by their wasm-bindgen names. */
  enum Export {
    MALLOC("__wbindgen_malloc"),
    FREE("__wbindgen_free"),
    EXN_STORE("__wbindgen_exn_store"),
    DB_NEW("cozodb_new"),
    DB_FREE("__wbg_cozodb_free"),
    RUN("cozodb_run"),
    EXPORT_RELATIONS("cozodb_export_relations"),
    IMPORT_RELATIONS("cozodb_import_relations");

    final String wasmName;

    Export(String wasmName) {
      this.wasmName = wasmName;
    }
  }

  protected final WbgHost host = new WbgHost();
  private int db;
  // where the module writes a call's (pointer, length) result. wasm-bindgen's glue carves it off the shadow stack
  // with two calls per call; one slot of our own saves both, which matters where a call into the module costs
  // microseconds (wasmtime-java's JNI)
  private int retptr;
  private boolean poisoned;
  private boolean closed;

  /** Calls {@code export} with i32 arguments; its i32 result, or 0 when it returns nothing. */
  protected abstract int invoke(Export export, int... args);

  /** Frees the runtime's own resources (instance, store); called once, after the database handle is freed. */
  protected abstract void release();

  /** Creates the database; subclasses call it once their instance is linked. */
  protected final void start() {
    db = guarded(() -> invoke(Export.DB_NEW));
    retptr = guarded(() -> invoke(Export.MALLOC, 16, 8));
  }

  @Override
  public final String run(String script, String paramsJson, boolean immutable) {
    return call(Export.RUN, script, paramsJson, immutable ? 1 : 0);
  }

  @Override
  public final String exportRelations(String requestJson) {
    return call(Export.EXPORT_RELATIONS, requestJson, null, 0);
  }

  @Override
  public final String importRelations(String dataJson) {
    return call(Export.IMPORT_RELATIONS, dataJson, null, 0);
  }

  @Override
  public final void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // a poisoned instance may be mid-way through anything: do not run its code again, just drop it
      if (!poisoned) {
        invoke(Export.DB_FREE, db);
      }
    } finally {
      release();
    }
  }

  @Override
  public final int malloc(int len) {
    return invoke(Export.MALLOC, len, 1);
  }

  @Override
  public final void free(int ptr, int len) {
    invoke(Export.FREE, ptr, len, 1);
  }

  @Override
  public final void storeException(int handle) {
    invoke(Export.EXN_STORE, handle);
  }

  /** Little-endian i32 at {@code addr}, as wasm stores it. */
  protected abstract int readI32(int addr);

  private String call(Export fn, String first, String second, int flag) {
    if (closed || poisoned) {
      throw new IllegalStateException(poisoned
          ? "this Cozo instance panicked earlier and must be rebuilt before use"
          : "this Cozo instance is closed");
    }
    byte[] out = guarded(() -> {
      if (second != null) {
        return callDb(db, first.getBytes(StandardCharsets.UTF_8), second.getBytes(StandardCharsets.UTF_8), flag);
      }
      int[] s1 = pass(first);
      invoke(fn, retptr, db, s1[0], s1[1]);
      return takeResult();
    });
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * Runs {@code cozodb_run(db, script, params, immutable)} and returns its result bytes. This version crosses into
   * the module once per glue step; a runner whose calls are dear overrides it with fewer crossings.
   */
  protected byte[] callDb(int db, byte[] script, byte[] params, int immutable) {
    int p1 = malloc(script.length);
    write(p1, script);
    int p2 = malloc(params.length);
    write(p2, params);
    invoke(Export.RUN, retptr, db, p1, script.length, p2, params.length, immutable);
    return takeResult();
  }

  private byte[] takeResult() {
    int ptr = readI32(retptr);
    int len = readI32(retptr + 4);
    byte[] bytes = read(ptr, len);
    free(ptr, len);
    return bytes;
  }

  // the callee takes ownership of the buffer and frees it, as in wasm-bindgen's own glue
  private int[] pass(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int ptr = malloc(b.length);
    write(ptr, b);
    return new int[] {ptr, b.length};
  }

  private interface WasmCall<T> {
    T get();
  }

  private <T> T guarded(WasmCall<T> c) {
    host.clearErrors();
    try {
      return c.get();
    } catch (CozoPanicException e) {
      poisoned = true;
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      poisoned = true;
      // a host function's own exception reaches us as a trap message at best: report the original
      if (host.hostFailure() instanceof CozoPanicException p) {
        throw p;
      }
      // a Rust panic ends in an `unreachable` trap; the panic hook logged the reason just before
      String why = host.lastError();
      throw new CozoPanicException("Cozo panicked: " + (why != null ? why.strip() : String.valueOf(e.getMessage())),
          e);
    }
  }
}
