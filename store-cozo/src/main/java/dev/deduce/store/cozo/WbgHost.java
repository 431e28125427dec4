package dev.deduce.store.cozo;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The JavaScript side wasm-bindgen expects (module {@code wbg}), reduced to what Cozo's Rust code reaches for: the
 * global object and its {@code crypto.getRandomValues} (backed by {@link SecureRandom}), {@code Date.now}, Uint8Array
 * views for copying random bytes into wasm memory, strings, and the panic hook's {@code console.error}. Objects live
 * in a handle table laid out exactly as the generated glue lays it out, since the Rust side hard-codes the reserved
 * slots (undefined, null, true, false).
 *
 * <p>It knows nothing of the WebAssembly runtime: it reaches the instance through {@link Guest}, so the Chicory and
 * the wasmtime runner share every import's behaviour.
 */
final class WbgHost {

  /** What the imports need from the running instance: its linear memory and wasm-bindgen's own exports. */
  interface Guest {
    byte[] read(int ptr, int len);

    void write(int ptr, byte[] data);

    void writeI32(int addr, int value);

    /** The current size of linear memory in bytes (it grows while the module runs). */
    long memoryBytes();

    /** {@code __wbindgen_malloc(len, 1)}. */
    int malloc(int len);

    /** {@code __wbindgen_free(ptr, len, 1)}. */
    void free(int ptr, int len);

    /** {@code __wbindgen_exn_store(handle)}: the JS exception the next Rust {@code catch} sees. */
    void storeException(int handle);
  }

  private static final Object UNDEFINED = new Object() {
    @Override
    public String toString() {
      return "undefined";
    }
  };
  private static final Object NULL = new Object();
  private static final Object GLOBAL = new Object();
  private static final Object CRYPTO = new Object();
  private static final Object MEMORY = new Object();
  private static final Object MEMORY_BUFFER = new Object();
  private static final int RESERVED = 132;

  /** A JS Function; the only body Rust's js-sys builds is {@code return this}, which yields the global object. */
  private record JsFunction(String body) {}

  /** A JS Error thrown by a host function (or created for a panic's stack trace). */
  private record JsError(String message) {}

  /** A free slot in the handle table, pointing at the next free one. */
  private record Free(int next) {}

  /** A Uint8Array: over host bytes when {@code owned} is set, else over wasm linear memory. */
  private record Bytes(byte[] owned, int offset, int length) {}

  private final List<Object> heap = new ArrayList<>();
  private final SecureRandom random = new SecureRandom();
  private int heapNext;
  private String lastConsoleError;
  private String lastThrown;
  private RuntimeException hostFailure;

  WbgHost() {
    for (int i = 0; i < 128; i++) {
      heap.add(UNDEFINED);
    }
    heap.add(UNDEFINED);
    heap.add(NULL);
    heap.add(Boolean.TRUE);
    heap.add(Boolean.FALSE);
    heapNext = heap.size();
  }

  /**
   * The base name of import {@code module.name} (what {@link #call} dispatches on); fails naming any import this
   * bridge does not implement, so a different module build is refused when linked, not when first called.
   */
  static String bind(String module, String name) {
    if (!"wbg".equals(module)) {
      throw new IllegalStateException("the Cozo module imports " + module + "." + name
          + "; expected only wasm-bindgen's 'wbg' imports");
    }
    String base = baseName(name);
    if (!KNOWN.contains(base)) {
      throw new IllegalStateException("the Cozo module imports wbg." + name
          + ", which this bridge does not implement; expected the imports of cozo-lib-wasm 0.7.6");
    }
    return base;
  }

  /** The text of the most recent panic (from the panic hook), or of a thrown JS error, if any. */
  String lastError() {
    return lastConsoleError != null ? lastConsoleError : lastThrown;
  }

  /**
   * The exception a host function threw during the last call into the module, if any. wasmtime hands such
   * exceptions back as a trap message only, so the host keeps the original.
   */
  RuntimeException hostFailure() {
    return hostFailure;
  }

  void clearErrors() {
    lastConsoleError = null;
    lastThrown = null;
    hostFailure = null;
  }

  /** Runs import {@code base} (from {@link #bind}) with raw wasm arguments; null or one raw result. */
  long[] call(String base, Guest g, long[] a) {
    try {
      return dispatch(base, g, a);
    } catch (RuntimeException e) {
      hostFailure = e;
      throw e;
    }
  }

  private static final List<String> KNOWN = List.of("__wbindgen_object_drop_ref", "__wbg_new", "__wbg_stack",
      "__wbg_error", "__wbg_crypto", "__wbindgen_is_object", "__wbg_process", "__wbg_versions", "__wbg_node",
      "__wbindgen_is_string", "__wbg_msCrypto", "__wbg_require", "__wbindgen_is_function", "__wbindgen_string_new",
      "__wbg_randomFillSync", "__wbg_getRandomValues", "__wbg_newnoargs", "__wbg_call",
      "__wbindgen_object_clone_ref", "__wbg_self", "__wbg_window", "__wbg_globalThis", "__wbg_global",
      "__wbindgen_is_undefined", "__wbg_now", "__wbg_buffer", "__wbg_newwithbyteoffsetandlength",
      "__wbg_newwithlength", "__wbg_set", "__wbg_subarray", "__wbindgen_throw", "__wbindgen_memory");

  // wasm-bindgen appends a hash to __wbg_ names ("__wbg_now_096aa89623f72d50"); __wbindgen_ names are stable
  static String baseName(String name) {
    if (name.startsWith("__wbindgen_")) {
      return name;
    }
    int cut = name.lastIndexOf('_');
    return cut > "__wbg".length() ? name.substring(0, cut) : name;
  }

  private long[] dispatch(String base, Guest inst, long[] a) {
    switch (base) {
      case "__wbindgen_object_drop_ref":
        take((int) a[0]);
        return null;
      case "__wbindgen_object_clone_ref":
        return ret(add(get((int) a[0])));
      case "__wbg_new":
        // two imports share the name: Error() takes nothing, Uint8Array(buffer) takes the buffer
        if (a.length == 0) {
          return ret(add(new JsError("Error")));
        }
        return ret(add(uint8ArrayOf(inst, get((int) a[0]))));
      case "__wbg_stack":
        writeStringResult(inst, (int) a[0], "Error\n    at cozo (wasm)");
        return null;
      case "__wbg_error":
        lastConsoleError = readString(inst, (int) a[0], (int) a[1]);
        free(inst, (int) a[0], (int) a[1]);
        return null;
      case "__wbg_crypto":
        return ret(add(get((int) a[0]) == GLOBAL ? CRYPTO : UNDEFINED));
      case "__wbg_process":
      case "__wbg_versions":
      case "__wbg_node":
      case "__wbg_msCrypto":
        // not Node, and not an old IE: getrandom takes the Web Crypto path
        return ret(add(UNDEFINED));
      case "__wbindgen_is_object": {
        Object o = get((int) a[0]);
        return bool(o != UNDEFINED && o != NULL && !(o instanceof String) && !(o instanceof Boolean)
            && !(o instanceof JsFunction));
      }
      case "__wbindgen_is_string":
        return bool(get((int) a[0]) instanceof String);
      case "__wbindgen_is_function":
        return bool(get((int) a[0]) instanceof JsFunction);
      case "__wbindgen_is_undefined":
        return bool(get((int) a[0]) == UNDEFINED);
      case "__wbindgen_string_new":
        return ret(add(readString(inst, (int) a[0], (int) a[1])));
      case "__wbg_require":
        return raise(inst, "module.require is not available: this host is not Node.js");
      case "__wbg_randomFillSync":
        fillRandom(inst, take((int) a[1]));
        return null;
      case "__wbg_getRandomValues":
        fillRandom(inst, get((int) a[1]));
        return null;
      case "__wbg_newnoargs":
        return ret(add(new JsFunction(readString(inst, (int) a[0], (int) a[1]))));
      case "__wbg_call": {
        Object f = get((int) a[0]);
        if (a.length == 2 && f instanceof JsFunction fn && fn.body().strip().equals("return this")) {
          return ret(add(GLOBAL));
        }
        return raise(inst, "calling " + f + " is not supported by this host");
      }
      case "__wbg_self":
      case "__wbg_window":
      case "__wbg_globalThis":
      case "__wbg_global":
        return ret(add(GLOBAL));
      case "__wbg_now":
        return new long[] {Double.doubleToRawLongBits((double) System.currentTimeMillis())};
      case "__wbindgen_memory":
        return ret(add(MEMORY));
      case "__wbg_buffer":
        return ret(add(get((int) a[0]) == MEMORY ? MEMORY_BUFFER : UNDEFINED));
      case "__wbg_newwithbyteoffsetandlength":
        return ret(add(new Bytes(null, (int) a[1], (int) a[2])));
      case "__wbg_newwithlength":
        return ret(add(new Bytes(new byte[(int) a[0]], 0, (int) a[0])));
      default:
        break;
    }
    switch (base) {
      case "__wbg_set": {
        Bytes target = (Bytes) get((int) a[0]);
        Bytes src = (Bytes) get((int) a[1]);
        byte[] data = read(inst, src);
        write(inst, target, (int) a[2], data);
        return null;
      }
      case "__wbg_subarray": {
        Bytes b = (Bytes) get((int) a[0]);
        int start = (int) a[1];
        int end = Math.min((int) a[2], b.length());
        return ret(add(new Bytes(b.owned(), b.offset() + start, Math.max(0, end - start))));
      }
      case "__wbindgen_throw":
        lastThrown = readString(inst, (int) a[0], (int) a[1]);
        throw new CozoPanicException("Cozo raised an error inside the engine: " + lastThrown, null);
      default:
        // bind() admits only the imports in KNOWN, and every one of them has a case above
        throw new AssertionError("wbg." + base + " is in KNOWN but has no case in call()");
    }
  }

  private long[] raise(Guest inst, String message) {
    lastThrown = message;
    inst.storeException(add(new JsError(message)));
    return new long[] {0};
  }

  private static Bytes uint8ArrayOf(Guest inst, Object source) {
    if (source == MEMORY_BUFFER) {
      return new Bytes(null, 0, (int) inst.memoryBytes());
    }
    if (source instanceof Bytes b) {
      return new Bytes(read(inst, b), 0, b.length());
    }
    throw new IllegalStateException("new Uint8Array(" + source + ") is not supported by this host");
  }

  private void fillRandom(Guest inst, Object target) {
    Bytes b = (Bytes) target;
    byte[] r = new byte[b.length()];
    random.nextBytes(r);
    write(inst, b, 0, r);
  }

  private static byte[] read(Guest inst, Bytes b) {
    if (b.owned() != null) {
      byte[] out = new byte[b.length()];
      System.arraycopy(b.owned(), b.offset(), out, 0, b.length());
      return out;
    }
    return inst.read(b.offset(), b.length());
  }

  private static void write(Guest inst, Bytes b, int at, byte[] data) {
    if (at + data.length > b.length()) {
      throw new IllegalStateException("Uint8Array.set out of range");
    }
    if (b.owned() != null) {
      System.arraycopy(data, 0, b.owned(), b.offset() + at, data.length);
    } else {
      inst.write(b.offset() + at, data);
    }
  }

  private static long[] ret(int handle) {
    return new long[] {handle};
  }

  private static long[] bool(boolean b) {
    return new long[] {b ? 1 : 0};
  }

  private Object get(int idx) {
    Object o = heap.get(idx);
    if (o instanceof Free) {
      throw new IllegalStateException("wasm used freed JS handle " + idx);
    }
    return o;
  }

  private int add(Object o) {
    if (heapNext == heap.size()) {
      heap.add(new Free(heap.size() + 1));
    }
    int idx = heapNext;
    heapNext = ((Free) heap.get(idx)).next();
    heap.set(idx, o);
    return idx;
  }

  private Object take(int idx) {
    Object o = get(idx);
    if (idx >= RESERVED) {
      heap.set(idx, new Free(heapNext));
      heapNext = idx;
    }
    return o;
  }

  static String readString(Guest inst, int ptr, int len) {
    return new String(inst.read(ptr, len), StandardCharsets.UTF_8);
  }

  private static void free(Guest inst, int ptr, int len) {
    inst.free(ptr, len);
  }

  private static void writeStringResult(Guest inst, int retptr, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int ptr = inst.malloc(b.length);
    inst.write(ptr, b);
    inst.writeI32(retptr + 4, b.length);
    inst.writeI32(retptr, ptr);
  }
}
