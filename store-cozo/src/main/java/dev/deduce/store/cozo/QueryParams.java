package dev.deduce.store.cozo;

import java.util.Collection;
import java.util.Map;

/** What a native query's parameters may hold: the values Cozo takes as JSON, checked before anything is sent. */
final class QueryParams {

  private static final String EXPECTED = "expected null, a boolean, a finite number, a string, or a list or map "
      + "(with string keys) of those";

  private QueryParams() {}

  /** Fails naming the parameter, where in it, and what it holds, when a value cannot be sent to Cozo. */
  static void check(Map<String, Object> params) {
    for (Map.Entry<String, Object> e : params.entrySet()) {
      if (e.getKey() == null || e.getKey().isEmpty()) {
        throw new IllegalArgumentException("a query parameter has an empty name; expected names such as $id");
      }
      check(e.getKey(), "", e.getValue());
    }
  }

  private static void check(String name, String path, Object v) {
    if (v == null || v instanceof Boolean || v instanceof String || v instanceof Integer || v instanceof Long
        || v instanceof Short || v instanceof Byte || v instanceof java.math.BigInteger) {
      return;
    }
    if (v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal) {
      double d = ((Number) v).doubleValue();
      if (!Double.isFinite(d)) {
        throw refused(name, path, "the number " + v + ", which JSON cannot carry");
      }
      return;
    }
    if (v instanceof Collection<?> c) {
      int i = 0;
      for (Object item : c) {
        check(name, path + "[" + i++ + "]", item);
      }
      return;
    }
    if (v instanceof float[] f) {
      for (int i = 0; i < f.length; i++) {
        check(name, path + "[" + i + "]", f[i]);
      }
      return;
    }
    if (v instanceof double[] d) {
      for (int i = 0; i < d.length; i++) {
        check(name, path + "[" + i + "]", d[i]);
      }
      return;
    }
    if (v instanceof int[] || v instanceof long[] || v instanceof short[] || v instanceof boolean[]) {
      return;
    }
    if (v instanceof Object[] a) {
      for (int i = 0; i < a.length; i++) {
        check(name, path + "[" + i + "]", a[i]);
      }
      return;
    }
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw refused(name, path, "a map key of type " + typeOf(e.getKey()));
        }
        check(name, path + "." + key, e.getValue());
      }
      return;
    }
    throw refused(name, path, "a " + typeOf(v));
  }

  private static IllegalArgumentException refused(String name, String path, String what) {
    return new IllegalArgumentException("query parameter $" + name + path + " holds " + what + "; " + EXPECTED);
  }

  private static String typeOf(Object o) {
    return o == null ? "null" : o.getClass().getName();
  }
}
