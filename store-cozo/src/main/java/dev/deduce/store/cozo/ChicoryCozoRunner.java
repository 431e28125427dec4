package dev.deduce.store.cozo;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Cozo's WebAssembly build run by Chicory, from JVM bytecode compiled at build time ({@link CozoModule}); a few
 * functions too large for the JVM's method size limit run in Chicory's interpreter.
 */
final class ChicoryCozoRunner implements CozoRunner {

  private final WbgHost host = new WbgHost();
  private final Instance instance;
  private final Memory memory;
  private final ExportFunction malloc;
  private final ExportFunction free;
  private final ExportFunction stackPointer;
  private final ExportFunction run;
  private final ExportFunction export;
  private final ExportFunction importRelations;
  private final ExportFunction dbFree;
  private final int db;
  private boolean poisoned;
  private boolean closed;

  // byte[] memory; against Chicory's ByteBufferMemory the difference was within noise on the shared 2-core machine
  ChicoryCozoRunner() {
    this(ByteArrayMemory::new);
  }

  ChicoryCozoRunner(Function<MemoryLimits, Memory> memoryFactory) {
    WasmModule module = CozoModule.load();
    instance = Instance.builder(module)
        .withImportValues(ImportValues.builder().withFunctions(java.util.List.copyOf(host.functions(module))).build())
        .withMachineFactory(CozoModule::create)
        .withMemoryFactory(memoryFactory)
        .build();
    memory = instance.memory();
    malloc = instance.export("__wbindgen_malloc");
    free = instance.export("__wbindgen_free");
    stackPointer = instance.export("__wbindgen_add_to_stack_pointer");
    run = instance.export("cozodb_run");
    export = instance.export("cozodb_export_relations");
    importRelations = instance.export("cozodb_import_relations");
    dbFree = instance.export("__wbg_cozodb_free");
    db = (int) guarded(() -> instance.export("cozodb_new").apply())[0];
  }

  @Override
  public String run(String script, String paramsJson, boolean immutable) {
    return call(run, script, paramsJson, immutable ? 1 : 0);
  }

  @Override
  public String exportRelations(String requestJson) {
    return call(export, requestJson, null, 0);
  }

  @Override
  public String importRelations(String dataJson) {
    return call(importRelations, dataJson, null, 0);
  }

  @Override
  public void close() {
    if (!closed && !poisoned) {
      dbFree.apply(db);
    }
    closed = true;
  }

  private String call(ExportFunction fn, String first, String second, int flag) {
    if (closed || poisoned) {
      throw new IllegalStateException(poisoned
          ? "this Cozo instance panicked earlier and must be rebuilt before use"
          : "this Cozo instance is closed");
    }
    return new String(guardedBytes(() -> {
      int retptr = (int) stackPointer.apply(-16)[0];
      try {
        long[] s1 = pass(first);
        if (second == null) {
          fn.apply(retptr, db, s1[0], s1[1]);
        } else {
          long[] s2 = pass(second);
          fn.apply(retptr, db, s1[0], s1[1], s2[0], s2[1], flag);
        }
        int ptr = memory.readInt(retptr);
        int len = memory.readInt(retptr + 4);
        byte[] out = memory.readBytes(ptr, len);
        free.apply(ptr, len, 1);
        return out;
      } finally {
        stackPointer.apply(16);
      }
    }), StandardCharsets.UTF_8);
  }

  // the callee takes ownership of the buffer and frees it, as in wasm-bindgen's own glue
  private long[] pass(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int ptr = (int) malloc.apply(b.length, 1)[0];
    memory.write(ptr, b);
    return new long[] {ptr, b.length};
  }

  private interface WasmCall<T> {
    T get();
  }

  private byte[] guardedBytes(WasmCall<byte[]> c) {
    return guarded(c);
  }

  private <T> T guarded(WasmCall<T> c) {
    host.clearErrors();
    try {
      return c.get();
    } catch (CozoPanicException e) {
      poisoned = true;
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // a Rust panic ends in an `unreachable` trap; the panic hook logged the reason just before
      poisoned = true;
      String why = host.lastError();
      throw new CozoPanicException("Cozo panicked: " + (why != null ? why.strip() : String.valueOf(e.getMessage())),
          e);
    }
  }
}
