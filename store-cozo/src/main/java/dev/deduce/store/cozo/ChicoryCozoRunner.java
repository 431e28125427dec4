package dev.deduce.store.cozo;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Cozo's WebAssembly build run by Chicory, from JVM bytecode compiled at build time ({@link CozoModule}); a few
 * functions too large for the JVM's method size limit run in Chicory's interpreter. Pure Java: the runner used where
 * wasmtime's native library cannot load.
 */
final class ChicoryCozoRunner extends BindgenRunner {

  private final Instance instance;
  private final Memory memory;
  private final Map<Export, ExportFunction> exports = new EnumMap<>(Export.class);

  // byte[] memory; against Chicory's ByteBufferMemory the difference was within noise on the shared 2-core machine
  ChicoryCozoRunner() {
    this(ByteArrayMemory::new);
  }

  ChicoryCozoRunner(Function<MemoryLimits, Memory> memoryFactory) {
    WasmModule module = CozoModule.load();
    instance = Instance.builder(module)
        .withImportValues(ImportValues.builder().withFunctions(imports(module)).build())
        .withMachineFactory(CozoModule::create)
        .withMemoryFactory(memoryFactory)
        .build();
    memory = instance.memory();
    for (Export e : Export.values()) {
      exports.put(e, instance.export(e.wasmName));
    }
    start();
  }

  private List<ImportFunction> imports(WasmModule module) {
    List<ImportFunction> out = new ArrayList<>();
    int n = module.importSection().importCount();
    for (int i = 0; i < n; i++) {
      Import imp = module.importSection().getImport(i);
      if (imp.importType() != ExternalType.FUNCTION) {
        continue;
      }
      String base = WbgHost.bind(imp.module(), imp.name());
      var type = module.typeSection().getType(((FunctionImport) imp).typeIndex());
      out.add(new HostFunction(imp.module(), imp.name(), type, (inst, args) -> host.call(base, this, args)));
    }
    return out;
  }

  @Override
  protected int invoke(Export export, int... args) {
    long[] a = new long[args.length];
    for (int i = 0; i < args.length; i++) {
      a[i] = args[i];
    }
    long[] out = exports.get(export).apply(a);
    return out == null || out.length == 0 ? 0 : (int) out[0];
  }

  @Override
  protected void release() {
    // Chicory's instance is plain heap: nothing to free beyond dropping it
  }

  @Override
  protected int readI32(int addr) {
    return memory.readInt(addr);
  }

  @Override
  public byte[] read(int ptr, int len) {
    return memory.readBytes(ptr, len);
  }

  @Override
  public void write(int ptr, byte[] data) {
    memory.write(ptr, data);
  }

  @Override
  public void writeI32(int addr, int value) {
    memory.writeI32(addr, value);
  }

  @Override
  public long memoryBytes() {
    return (long) memory.pages() * Memory.PAGE_SIZE;
  }
}
