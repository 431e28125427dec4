package dev.deduce.store.cozo;

import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Cozo's WebAssembly build compiled to machine code by wasmtime (Cranelift) through wasmtime-java's JNI binding.
 * One wasmtime store and instance per runner; the engine and compiled module are shared ({@link WasmtimeModule}).
 *
 * <p>Linear memory is read through {@link Memory#buffer}, a direct buffer fixed at the size memory had when it was
 * fetched and big-endian unless told otherwise. Memory only grows, and {@link WasmtimeModule} reserves 4 GiB of
 * address space for it so it grows in place: its base never moves, so a buffer stays valid below its end and is
 * fetched again (a JNI call) only when an access passes that end.
 *
 * <p>Runs go through {@link WasmtimeDriver}, which does the glue inside wasm: one JNI crossing per run.
 */
final class WasmtimeCozoRunner extends BindgenRunner {

  private final Store<Void> store;
  private final Instance instance;
  private final Memory memory;
  private final List<Func> hostFunctions = new ArrayList<>();
  private final Map<Export, Func> exports = new EnumMap<>(Export.class);
  private final WasmtimeDriver driver;
  private WasmtimeClock clock;
  private ByteBuffer buffer;

  WasmtimeCozoRunner() {
    Module module = WasmtimeModule.module();
    store = new Store<>(null, WasmtimeModule.engine());
    try {
      List<Extern> imports = new ArrayList<>();
      for (ImportType imp : module.imports()) {
        if (imp.type() != ImportType.Type.FUNC) {
          throw new IllegalStateException("the Cozo module imports " + imp.module() + "." + imp.name() + " as a "
              + imp.type() + "; expected only functions");
        }
        String base = WbgHost.bind(imp.module(), imp.name());
        if (base.equals("__wbg_now")) {
          clock = WasmtimeClock.create(store, imp.func());
          imports.add(Extern.fromFunc(clock.now()));
          continue;
        }
        Func f = hostFunction(base, imp.func());
        hostFunctions.add(f);
        imports.add(Extern.fromFunc(f));
      }
      instance = new Instance(store, module, imports);
      memory = instance.getMemory(store, "memory").orElseThrow(
          () -> new IllegalStateException("the Cozo module exports no memory; expected wasm-bindgen's 'memory'"));
      for (Export e : Export.values()) {
        exports.put(e, instance.getFunc(store, e.wasmName).orElseThrow(() -> new IllegalStateException(
            "the Cozo module does not export " + e.wasmName + "; expected cozo-lib-wasm 0.7.6")));
      }
      driver = new WasmtimeDriver(store, memory, exports.get(Export.MALLOC), exports.get(Export.FREE),
          exports.get(Export.RUN));
    } catch (RuntimeException e) {
      store.dispose();
      throw e;
    }
    start();
  }

  private Func hostFunction(String base, FuncType type) {
    Val.Type[] params = type.getParams();
    Val.Type[] results = type.getResults();
    return new Func(store, type, (caller, in, out) -> {
      long[] raw = new long[in.length];
      for (int i = 0; i < in.length; i++) {
        raw[i] = raw(params[i], in[i]);
      }
      long[] r = host.call(base, this, raw);
      if (results.length > 0) {
        out[0] = val(results[0], r[0]);
      }
    });
  }

  private static long raw(Val.Type type, Val v) {
    return switch (type) {
      case I32 -> v.i32();
      case I64 -> v.i64();
      case F32 -> Float.floatToRawIntBits(v.f32());
      case F64 -> Double.doubleToRawLongBits(v.f64());
      default -> throw new IllegalStateException("a Cozo import takes a " + type + "; expected numbers only");
    };
  }

  private static Val val(Val.Type type, long raw) {
    return switch (type) {
      case I32 -> Val.fromI32((int) raw);
      case I64 -> Val.fromI64(raw);
      case F32 -> Val.fromF32(Float.intBitsToFloat((int) raw));
      case F64 -> Val.fromF64(Double.longBitsToDouble(raw));
      default -> throw new IllegalStateException("a Cozo import returns a " + type + "; expected numbers only");
    };
  }

  @Override
  protected int invoke(Export export, int... args) {
    Val[] in = new Val[args.length];
    for (int i = 0; i < args.length; i++) {
      in[i] = Val.fromI32(args[i]);
    }
    tick();
    Val[] out = exports.get(export).call(store, in);
    return out.length == 0 ? 0 : out[0].i32();
  }

  @Override
  protected byte[] callDb(int db, byte[] script, byte[] params, int immutable) {
    int total = script.length + params.length;
    boolean staged = total <= WasmtimeDriver.STAGING_BYTES;
    int area = staged ? driver.staging() : malloc(total);
    try {
      write(area, script);
      write(area + script.length, params);
      tick();
      driver.run(db, area, script.length, area + script.length, params.length, immutable);
    } finally {
      if (!staged) {
        free(area, total);
      }
    }
    int ptr = readI32(driver.header());
    int len = readI32(driver.header() + 4);
    return read(ptr, len);
  }

  private void tick() {
    if (clock != null) {
      clock.tick();
    }
  }

  @Override
  protected void release() {
    driver.dispose();
    if (clock != null) {
      clock.dispose();
    }
    for (Func f : exports.values()) {
      f.dispose();
    }
    for (Func f : hostFunctions) {
      f.dispose();
    }
    memory.dispose();
    instance.dispose();
    store.dispose();
  }

  // a buffer covering [0, end); unsigned, as wasm addresses are
  private ByteBuffer memory(long end) {
    if (buffer == null || end > buffer.capacity()) {
      buffer = memory.buffer(store).order(ByteOrder.LITTLE_ENDIAN);
    }
    return buffer;
  }

  @Override
  protected int readI32(int addr) {
    return memory(Integer.toUnsignedLong(addr) + 4).getInt(addr);
  }

  @Override
  public byte[] read(int ptr, int len) {
    byte[] out = new byte[len];
    memory(Integer.toUnsignedLong(ptr) + len).get(ptr, out);
    return out;
  }

  @Override
  public void write(int ptr, byte[] data) {
    memory(Integer.toUnsignedLong(ptr) + data.length).put(ptr, data);
  }

  @Override
  public void writeI32(int addr, int value) {
    memory(Integer.toUnsignedLong(addr) + 4).putInt(addr, value);
  }

  @Override
  public long memoryBytes() {
    buffer = null;
    return memory(0).capacity();
  }
}
