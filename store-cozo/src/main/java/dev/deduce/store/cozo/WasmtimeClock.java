package dev.deduce.store.cozo;

import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Cozo's {@code Date.now} import as a wasm function reading a time Java wrote into the clock's own memory before
 * the call, instead of a host callback (a JNI crossing, 12–14 µs, twice per Cozo call). So every {@code now} inside
 * one call sees the time that call started: Cozo reads the clock for a transaction's validity timestamp and the
 * {@code now()} function, both of which mean "when this script ran". Nothing else in {@link WbgHost} reads it.
 */
final class WasmtimeClock {

  private final Instance instance;
  private final Memory memory;
  private final Func now;
  private final ByteBuffer millis;

  private WasmtimeClock(Store<Void> store, Module module) {
    instance = new Instance(store, module, List.of());
    memory = instance.getMemory(store, "clock").orElseThrow(
        () -> new IllegalStateException("the clock module exports no memory 'clock'"));
    now = instance.getFunc(store, "now").orElseThrow(
        () -> new IllegalStateException("the clock module exports no function 'now'"));
    // the clock's memory never grows, so this buffer stays valid for the instance's life
    millis = memory.buffer(store).order(ByteOrder.LITTLE_ENDIAN);
    tick();
  }

  /** A clock whose {@code now} has Cozo's import type ({@code () -> f64}, or with ignored numeric arguments). */
  static WasmtimeClock create(Store<Void> store, FuncType type) {
    return new WasmtimeClock(store, WasmtimeModule.clock(type));
  }

  /** The clock module's text for {@code type}; compiled once per JVM by {@link WasmtimeModule}. */
  static Module compile(Engine engine, FuncType type) {
    if (type.getResults().length != 1 || type.getResults()[0] != Val.Type.F64) {
      throw new IllegalStateException("the Cozo module imports Date.now as " + type + "; expected it to return f64");
    }
    String params = List.of(type.getParams()).stream().map(t -> switch (t) {
      case I32 -> "i32";
      case I64 -> "i64";
      case F32 -> "f32";
      case F64 -> "f64";
      default -> throw new IllegalStateException("the Cozo module's Date.now takes a " + t + "; expected numbers");
    }).collect(Collectors.joining(" "));
    String wat = "(module (memory (export \"clock\") 1 1)"
        + " (func (export \"now\")" + (params.isEmpty() ? "" : " (param " + params + ")")
        + " (result f64) (f64.load (i32.const 0))))";
    return new Module(engine, wat.getBytes(StandardCharsets.UTF_8));
  }

  /** The import to give Cozo in place of the {@code Date.now} host function. */
  Func now() {
    return now;
  }

  /** Sets the time every {@code now} reads until the next tick: call it just before each call into Cozo. */
  void tick() {
    millis.putDouble(0, (double) System.currentTimeMillis());
  }

  void dispose() {
    now.dispose();
    memory.dispose();
    instance.dispose();
  }
}
