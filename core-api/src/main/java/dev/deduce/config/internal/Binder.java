package dev.deduce.config.internal;

import dev.deduce.config.SettingException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Binds Typesafe Config to records, the one way Deduce reads configuration.
 *
 * <p>A component's key is its name in kebab-case ({@code maxQueueDelay} is {@code max-queue-delay}) unless it carries
 * {@link Key}. Supported types: String, int, long, double, float, boolean, {@link Duration}, {@link ByteSize},
 * {@link Path}, enums, nested records, {@code Optional}, {@code List}, {@code Set}/{@code SortedSet} and
 * {@code Map<String, T>}. A missing {@code Optional} or collection is empty (and so is an {@code Optional} of a
 * blank string, which is how reference.conf says "none"); every other key must be present, so reference.conf holds
 * every default. Unknown keys fail listing the valid ones; a value the record's constructor rejects with a
 * {@link SettingException} fails naming the full key, the value, what was expected and the value's origin.
 */
public final class Binder {

  private Binder() {}

  /** Binds {@code config} to {@code type}; {@code path} prefixes every key in messages, e.g. {@code "deduce."}. */
  public static <R extends Record> R bind(Config config, Class<R> type, String path) {
    return type.cast(record(config.root(), type, path));
  }

  /** The keys of {@code type}'s components, in declaration order. */
  public static Set<String> keys(Class<? extends Record> type) {
    Set<String> keys = new LinkedHashSet<>();
    for (RecordComponent c : type.getRecordComponents()) {
      if (!c.isAnnotationPresent(Unbound.class)) {
        keys.add(key(c));
      }
    }
    return keys;
  }

  /** {@code value} as config (unbound components left out), to layer other settings over it. */
  public static Config toConfig(Record value, String origin) {
    return ConfigFactory.parseMap(unbind(value), origin);
  }

  /** A copy of {@code value} with the component {@code name} replaced, so withers need not list every component. */
  public static <R extends Record> R with(R value, String name, Object replacement) {
    RecordComponent[] cs = value.getClass().getRecordComponents();
    Object[] args = new Object[cs.length];
    for (int i = 0; i < cs.length; i++) {
      args[i] = cs[i].getName().equals(name) ? replacement : get(cs[i], value);
    }
    @SuppressWarnings("unchecked")
    Class<R> type = (Class<R>) value.getClass();
    return type.cast(construct(type, cs, args));
  }

  /** {@code maxQueueDelay} becomes {@code max-queue-delay}. */
  public static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  /** A duration as config text, exact to the nanosecond: {@code 2s}, {@code 250ms}, {@code 1500us}. */
  public static String text(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1_000_000_000 == 0) {
      return nanos / 1_000_000_000 + "s";
    }
    return nanos % 1_000_000 == 0 ? nanos / 1_000_000 + "ms" : nanos % 1000 == 0 ? nanos / 1000 + "us" : nanos + "ns";
  }

  private static String key(RecordComponent c) {
    Key k = c.getAnnotation(Key.class);
    return k != null ? k.value() : kebab(c.getName());
  }

  private static Object record(ConfigObject obj, Class<?> type, String path) {
    RecordComponent[] cs = type.getRecordComponents();
    Set<String> keys = keys(type.asSubclass(Record.class));
    for (String k : new TreeSet<>(obj.keySet())) {
      if (!keys.contains(k)) {
        throw new IllegalArgumentException("unknown key " + path + k + " (" + where(obj.get(k).origin())
            + "); expected one of " + keys.stream().map(path::concat).sorted().toList());
      }
    }
    Object[] args = new Object[cs.length];
    for (int i = 0; i < cs.length; i++) {
      RecordComponent c = cs[i];
      args[i] = c.isAnnotationPresent(Unbound.class) ? empty(c.getGenericType())
          : value(obj.get(key(c)), c.getGenericType(), path + key(c), obj.origin());
    }
    try {
      return construct(type, cs, args);
    } catch (SettingException e) {
      ConfigValue v = lookup(obj, e.key());
      String shown = v != null ? shown(v) : e.value();
      throw new IllegalArgumentException("bad setting " + path + e.key() + " = " + shown + " ("
          + where(v != null ? v.origin() : obj.origin()) + "): expected " + e.expected(), e);
    }
  }

  private static Object value(ConfigValue v, Type type, String path, ConfigOrigin parent) {
    Class<?> raw = raw(type);
    boolean absent = v == null || v.valueType() == ConfigValueType.NULL;
    if (raw == Optional.class) {
      Type inner = arg(type, 0);
      boolean blank = !absent && v.valueType() == ConfigValueType.STRING && ((String) v.unwrapped()).isBlank()
          && (inner == String.class || inner == Path.class);
      return absent || blank ? Optional.empty() : Optional.of(value(v, inner, path, parent));
    }
    if (absent && (raw == Map.class || raw == List.class || raw == Set.class || raw == SortedSet.class)) {
      return raw == SortedSet.class ? Collections.emptySortedSet() : empty(type);
    }
    if (absent) {
      throw new IllegalArgumentException("missing setting " + path + " (in " + where(parent) + "); expected "
          + expected(type));
    }
    try {
      Object out = convert(v, type, raw, path);
      if (out != null) {
        return out;
      }
    } catch (ConfigException | NumberFormatException | ArithmeticException | InvalidPathException e) {
      // reported below with the value and what the type expects
    }
    throw new IllegalArgumentException("bad setting " + path + " = " + shown(v) + " (" + where(v.origin())
        + "): expected " + expected(type));
  }

  /** The value, or null when it does not fit the type. */
  private static Object convert(ConfigValue v, Type type, Class<?> raw, String path) {
    ConfigValueType t = v.valueType();
    Object u = v.unwrapped();
    boolean scalar = t == ConfigValueType.STRING || t == ConfigValueType.NUMBER || t == ConfigValueType.BOOLEAN;
    String s = scalar ? String.valueOf(u).trim() : null;
    if (raw == String.class) {
      return s;
    } else if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
      if (s == null) {
        return null;
      }
      long n = t == ConfigValueType.NUMBER ? whole((Number) u) : Long.parseLong(s);
      boolean isInt = raw == int.class || raw == Integer.class;
      return isInt ? (Object) Math.toIntExact(n) : (Object) n;
    } else if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
      if (s == null) {
        return null;
      }
      double d = t == ConfigValueType.NUMBER ? ((Number) u).doubleValue() : Double.parseDouble(s);
      boolean isFloat = raw == float.class || raw == Float.class;
      return !Double.isFinite(d) ? null : isFloat ? (Object) (float) d : (Object) d;
    } else if (raw == boolean.class || raw == Boolean.class) {
      return t == ConfigValueType.BOOLEAN ? u : single(v).getBoolean("v");
    } else if (raw == Duration.class) {
      return single(v).getDuration("v");
    } else if (raw == ByteSize.class) {
      return new ByteSize(single(v).getBytes("v"));
    } else if (raw == Path.class) {
      return t == ConfigValueType.STRING ? Path.of(s) : null;
    } else if (raw.isEnum()) {
      return s == null ? null : constant(raw, s);
    } else if (raw.isRecord()) {
      return t == ConfigValueType.OBJECT ? record((ConfigObject) v, raw, path + ".") : null;
    } else if (raw == List.class || raw == Set.class || raw == SortedSet.class) {
      List<Object> items = new ArrayList<>();
      List<ConfigValue> values = t == ConfigValueType.LIST ? new ArrayList<>((List<ConfigValue>) v)
          : t == ConfigValueType.STRING ? split(s, v) : null;
      if (values == null) {
        return null;
      }
      for (int i = 0; i < values.size(); i++) {
        items.add(value(values.get(i), arg(type, 0), path + "[" + i + "]", v.origin()));
      }
      return raw == List.class ? List.copyOf(items) : raw == Set.class ? Collections.unmodifiableSet(
          new LinkedHashSet<>(items)) : Collections.unmodifiableSortedSet(new TreeSet<>(items));
    } else if (raw == Map.class) {
      return t == ConfigValueType.OBJECT ? map((ConfigObject) v, arg(type, 1), path) : null;
    } else if (raw == Object.class) {
      return u;
    }
    throw new IllegalStateException(path + " has type " + type + ", which the config binder does not support");
  }

  /** Records, maps and lists take the object's own keys; plain values take its leaves as dotted keys. */
  private static Map<String, Object> map(ConfigObject obj, Type valueType, String path) {
    Map<String, Object> out = new TreeMap<>();
    Class<?> raw = raw(valueType);
    if (raw.isRecord() || raw == Map.class || raw == List.class || raw == Set.class || raw == SortedSet.class) {
      obj.forEach((k, v) -> out.put(k, value(v, valueType, path + "." + quoted(k), obj.origin())));
    } else {
      obj.toConfig().entrySet().forEach(e -> out.put(e.getKey(),
          value(e.getValue(), valueType, path + "." + e.getKey(), obj.origin())));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Map<String, Object> unbind(Record value) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : value.getClass().getRecordComponents()) {
      Object v = plain(get(c, value));
      if (!c.isAnnotationPresent(Unbound.class) && v != null) {
        out.put(key(c), v);
      }
    }
    return out;
  }

  private static Object plain(Object v) {
    if (v instanceof Optional<?> o) {
      return o.map(Binder::plain).orElse(null);
    } else if (v instanceof ByteSize b) {
      return b.bytes();
    } else if (v instanceof Record r) {
      return unbind(r);
    } else if (v instanceof Duration d) {
      return text(d);
    } else if (v instanceof Enum<?> e) {
      return e.name();
    } else if (v instanceof Path p) {
      return p.toString();
    } else if (v instanceof Iterable<?> items) {
      List<Object> out = new ArrayList<>();
      items.forEach(i -> out.add(plain(i)));
      return out;
    } else if (v instanceof Map<?, ?> m) {
      // keys as paths, as map() flattened them: a store option embedding.output binds back to the same key
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
      return ConfigFactory.parseMap(out).root();
    }
    return v;
  }

  private static Object construct(Class<?> type, RecordComponent[] cs, Object[] args) {
    try {
      Constructor<?> ctor = type.getDeclaredConstructor(
          Arrays.stream(cs).map(RecordComponent::getType).toArray(Class<?>[]::new));
      ctor.setAccessible(true);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot construct " + type.getName(), e);
    }
  }

  private static Object get(RecordComponent c, Record r) {
    try {
      c.getAccessor().setAccessible(true);
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + c, e);
    }
  }

  private static Object empty(Type type) {
    Class<?> raw = raw(type);
    if (raw == List.class) {
      return List.of();
    }
    if (raw == Set.class) {
      return Set.of();
    }
    if (raw == Map.class) {
      return Map.of();
    }
    if (raw == Optional.class) {
      return Optional.empty();
    }
    throw new IllegalStateException("@Unbound component of type " + type + "; expected List, Set, Map or Optional");
  }

  private static long whole(Number n) {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (d != Math.rint(d) || Math.abs(d) > 9.007199254740992E15) {
        throw new NumberFormatException("not whole");
      }
    }
    return n.longValue();
  }

  private static Config single(ConfigValue v) {
    return ConfigFactory.empty().withValue("v", v);
  }

  /** A list given as text, as environment variables and system properties give lists: {@code "4, 8"}. */
  private static List<ConfigValue> split(String s, ConfigValue v) {
    List<ConfigValue> out = new ArrayList<>();
    for (String part : s.split(",")) {
      if (!part.isBlank()) {
        out.add(ConfigValueFactory.fromAnyRef(part.trim(), v.origin().description()));
      }
    }
    return out;
  }

  private static Object constant(Class<?> type, String s) {
    String name = s.replace('-', '_').toUpperCase(Locale.ROOT);
    for (Object c : type.getEnumConstants()) {
      if (((Enum<?>) c).name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static String expected(Type type) {
    Class<?> raw = raw(type);
    if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
      return "a whole number";
    } else if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
      return "a number";
    } else if (raw == boolean.class || raw == Boolean.class) {
      return "true or false";
    } else if (raw == Duration.class) {
      return "a duration such as 250ms, 2s or 1m";
    } else if (raw == ByteSize.class) {
      return "a size such as 65536, 512k or 64MiB";
    } else if (raw == Path.class) {
      return "a path";
    } else if (raw.isEnum()) {
      return "one of " + String.join(", ", Arrays.stream(raw.getEnumConstants()).map(String::valueOf).toList());
    } else if (raw.isRecord()) {
      return "an object with the keys " + keys(raw.asSubclass(Record.class));
    } else if (raw == List.class || raw == Set.class || raw == SortedSet.class) {
      return "a list of " + expected(arg(type, 0)).replaceFirst("^an? ", "") + " values, e.g. [...] or \"a,b\"";
    } else if (raw == Map.class) {
      return "an object { key = value, ... }";
    } else if (raw == Optional.class) {
      return expected(arg(type, 0));
    }
    return "a string";
  }

  private static ConfigValue lookup(ConfigObject obj, String key) {
    try {
      Config c = obj.toConfig();
      return c.hasPathOrNull(key) ? c.getValue(key) : null;
    } catch (ConfigException e) {
      return null;
    }
  }

  private static String shown(ConfigValue v) {
    return v.render(ConfigRenderOptions.concise());
  }

  private static String where(ConfigOrigin origin) {
    return origin == null ? "unknown origin" : origin.description();
  }

  private static String quoted(String key) {
    return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key.replace("\"", "\\\"") + "\"";
  }

  private static Class<?> raw(Type type) {
    return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
  }

  private static Type arg(Type type, int i) {
    if (type instanceof ParameterizedType p) {
      return p.getActualTypeArguments()[i];
    }
    throw new IllegalStateException(type + " needs a type argument for the config binder");
  }
}
