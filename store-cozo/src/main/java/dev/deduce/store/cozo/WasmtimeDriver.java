package dev.deduce.store.cozo;

import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.util.List;

/**
 * The small wasm module ({@code cozo-driver.wat}) that does {@code cozodb_run}'s wasm-bindgen glue inside wasm, so
 * a run costs one crossing of wasmtime-java's JNI (12–14 µs each) instead of five. Its inputs are staged in a fixed
 * area of Cozo's memory, allocated once; inputs too big for it go through an area malloc'd for the call.
 */
final class WasmtimeDriver {

  /** Bytes of staged input (script plus params) that need no allocation of their own. */
  static final int STAGING_BYTES = 256 * 1024;
  private static final int HEADER_BYTES = 16;

  private final Store<Void> store;
  private final Instance instance;
  private final Func run;
  private final int header;

  WasmtimeDriver(Store<Void> store, Memory memory, Func malloc, Func free, Func cozoRun) {
    this.store = store;
    instance = new Instance(store, WasmtimeModule.driver(), List.of(Extern.fromMemory(memory), Extern.fromFunc(malloc),
        Extern.fromFunc(free), Extern.fromFunc(cozoRun)));
    run = instance.getFunc(store, "run").orElseThrow(
        () -> new IllegalStateException("the Cozo driver module exports no 'run'; expected cozo-driver.wat's"));
    header = malloc.call(store, Val.fromI32(HEADER_BYTES + STAGING_BYTES), Val.fromI32(8))[0].i32();
  }

  /** Where cozodb_run leaves the result's (ptr, len); the driver frees it at the start of the next run. */
  int header() {
    return header;
  }

  /** Where staged input starts. */
  int staging() {
    return header + HEADER_BYTES;
  }

  /** Runs cozodb_run on inputs already written at {@code s1} and {@code s2}; the result is at {@link #header}. */
  void run(int db, int s1, int l1, int s2, int l2, int flag) {
    run.call(store, Val.fromI32(header), Val.fromI32(db), Val.fromI32(s1), Val.fromI32(l1), Val.fromI32(s2),
        Val.fromI32(l2), Val.fromI32(flag));
  }

  void dispose() {
    run.dispose();
    instance.dispose();
  }
}
