package dev.deduce.repository;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.deduce.api.DataType;
import dev.deduce.config.internal.Binder;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.spi.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One version's model config: {@code <version>/model.conf} layered over the model's {@code model.conf}. Every error is
 * a {@link ModelLoadException} naming the file at fault.
 */
final class VersionConfig {

  static final String FILE_NAME = "model.conf";

  private static final Set<String> OWN_KEYS = Set.of("engine", "format", "file");
  private static final Set<String> SECTIONS = Set.of("options", "warm-up", "signature", "pipeline");
  private static final Set<String> MODEL_SETTING_KEYS = Binder.keys(ModelSettings.class);

  final String model;
  final String version;
  final Path configFile;
  final String engine;
  final String format;
  final Path file;
  final Map<String, String> options;
  private final Config config;
  private final Path root;

  private VersionConfig(String model, String version, Path configFile, String engine, String format, Path file,
      Map<String, String> options, Config config, Path root) {
    this.model = model;
    this.version = version;
    this.configFile = configFile;
    this.engine = engine;
    this.format = format;
    this.file = file;
    this.options = options;
    this.config = config;
    this.root = root;
  }

  /** Parses a model.conf file; a missing one is an empty config. */
  static Config parse(Path file) {
    if (!Files.exists(file)) {
      return ConfigFactory.empty();
    }
    if (!Files.isRegularFile(file)) {
      throw new ModelLoadException(file, "is not a file; expected a HOCON or JSON model config");
    }
    try {
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
          .setSyntax(ConfigSyntax.CONF)).resolve();
    } catch (ConfigException e) {
      throw new ModelLoadException(file, "malformed model config: " + e.getMessage() + "; expected HOCON or JSON");
    }
  }

  /** Checks a model-level config: every key known, the version policy well formed. */
  static VersionPolicy modelLevel(Path file, Config c) {
    checkKeys(file, c, true);
    if (!c.hasPath("version-policy")) {
      return VersionPolicy.DEFAULT;
    }
    try {
      return Binder.bind(c.getConfig("version-policy"), VersionPolicy.class, "version-policy.");
    } catch (IllegalArgumentException | ConfigException e) {
      throw new ModelLoadException(file, "bad version-policy: " + e.getMessage());
    }
  }

  /**
   * The config of {@code versionDir}: its own model.conf over {@code modelLevel}.
   *
   * @param engines engine id to the formats it loads
   * @param root    the repository's real path; the model file must resolve inside it
   */
  static VersionConfig read(String model, String version, Path versionDir, Path modelConfFile, Config modelLevel,
      Map<String, Set<String>> engines, Path root) {
    Path own = versionDir.resolve(FILE_NAME);
    Config ownConfig = parse(own);
    checkKeys(own, ownConfig, false);
    if (!Files.exists(own) && !Files.exists(modelConfFile)) {
      SimpleLayout simple = SimpleLayout.of(versionDir, own, modelConfFile, engines);
      inside(versionDir, simple.file().getFileName().toString(), own, root);
      return new VersionConfig(model, version, own, simple.engine(), simple.format(), simple.file(), Map.of(),
          ConfigFactory.empty(), root);
    }
    Path named = Files.exists(own) ? own : modelConfFile;
    Config c = ownConfig.withFallback(modelLevel.withoutPath("version-policy"));
    if (c.hasPath("pipeline")) {
      for (String k : OWN_KEYS) {
        if (c.hasPath(k)) {
          throw new ModelLoadException(named, "sets pipeline and " + k + "; expected a pipeline (steps of served"
              + " models) or a model file with its engine, not both");
        }
      }
      return new VersionConfig(model, version, named, null, null, null, Map.of(), c, root);
    }
    try {
      String engine = required(c, "engine", named, "engine = <id>, one of " + engines.keySet());
      Set<String> formats = engines.get(engine);
      if (formats == null) {
        throw new ModelLoadException(named, "unknown engine id '" + engine + "'; expected one of " + engines.keySet()
            + " (the engines this runtime has)");
      }
      String format;
      if (c.hasPath("format")) {
        format = c.getString("format").trim();
        if (!formats.contains(format)) {
          throw new ModelLoadException(named, "engine '" + engine + "' does not load format '" + format
              + "'; expected one of " + formats);
        }
      } else if (formats.size() == 1) {
        format = formats.iterator().next();
      } else {
        throw new ModelLoadException(named, "engine '" + engine + "' loads several formats " + formats
            + "; expected format = <one of them>");
      }
      String fileName = required(c, "file", named, "file = <model file or folder, relative to " + versionDir + ">");
      Path file = inside(versionDir, fileName, named, root);
      Map<String, String> options = options(c, named);
      return new VersionConfig(model, version, named, engine, format, file, options, c, root);
    } catch (ConfigException e) {
      throw new ModelLoadException(named, e.getMessage());
    }
  }

  /** The {@code pipeline} section when this version is a pipeline, else null. */
  Config pipeline() {
    return config.hasPath("pipeline") ? config.getConfig("pipeline") : null;
  }

  ModelSource source() {
    return new ModelSource(model, version, file, format, options);
  }

  /** {@code base} with this config's model settings, and warm-up inputs shaped by {@code signature}. */
  ModelSettings settings(ModelSettings base, ModelSignature signature) {
    Config keys = ConfigFactory.empty();
    for (String key : MODEL_SETTING_KEYS) {
      if (config.hasPathOrNull(key)) {
        keys = keys.withValue(key, config.getValue(key));
      }
    }
    ModelSettings s;
    try {
      s = Binder.with(Binder.bind(keys.withFallback(Binder.toConfig(base, "base settings")), ModelSettings.class,
          ""), "warmUp", base.warmUp());
    } catch (IllegalArgumentException | ConfigException e) {
      throw new ModelLoadException(configFile, e.getMessage());
    }
    return s.toBuilder().warmUp(warmUp(signature)).build();
  }

  /** The engine's signature narrowed as {@code signature { ... }} declares. */
  ModelSignature adapt(ModelSignature engine) {
    if (!config.hasPath("signature")) {
      return engine;
    }
    try {
      Config sig = config.getConfig("signature");
      for (String key : sig.root().keySet()) {
        if (!Set.of("batched", "inputs", "outputs").contains(key)) {
          throw new ModelLoadException(configFile, "unknown key signature." + key
              + "; expected batched, inputs or outputs");
        }
      }
      boolean batched = sig.hasPath("batched") ? sig.getBoolean("batched") : engine.batched();
      List<TensorSpec> inputs = narrow(engine.inputs(), sig, "inputs");
      List<TensorSpec> outputs = narrow(engine.outputs(), sig, "outputs");
      return new ModelSignature(inputs, outputs, batched);
    } catch (ConfigException | IllegalArgumentException e) {
      if (e instanceof ModelLoadException m) {
        throw m;
      }
      throw new ModelLoadException(configFile, "bad signature override: " + e.getMessage());
    }
  }

  private List<TensorSpec> narrow(List<TensorSpec> specs, Config sig, String which) {
    if (!sig.hasPath(which)) {
      return specs;
    }
    Config declared = sig.getConfig(which);
    Map<String, TensorSpec> byName = new TreeMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    for (String name : declared.root().keySet()) {
      if (!byName.containsKey(name)) {
        throw new ModelLoadException(configFile, "signature." + which + " names '" + name + "', which the model "
            + "does not have; expected one of " + byName.keySet());
      }
    }
    List<TensorSpec> out = new ArrayList<>();
    for (TensorSpec s : specs) {
      ConfigValue v = declared.root().get(s.name());
      if (v == null) {
        out.add(s);
        continue;
      }
      String where = "signature." + which + ".\"" + s.name() + "\"";
      if (v.valueType() != ConfigValueType.OBJECT) {
        throw new ModelLoadException(configFile, where + " is " + v.render() + "; expected { dtype = ..., shape"
            + " = [...] }");
      }
      Config t = ((com.typesafe.config.ConfigObject) v).toConfig();
      for (String key : t.root().keySet()) {
        if (!key.equals("dtype") && !key.equals("shape")) {
          throw new ModelLoadException(configFile, "unknown key " + where + "." + key + "; expected dtype or shape");
        }
      }
      if (t.hasPath("dtype") && dtype(t.getString("dtype"), where) != s.dtype()) {
        throw new ModelLoadException(configFile, where + ".dtype is " + t.getString("dtype") + " but the model's is "
            + s.dtype() + "; expected the model's dtype");
      }
      out.add(t.hasPath("shape") ? shaped(s, t.getList("shape").unwrapped(), where) : s);
    }
    return out;
  }

  /**
   * {@code spec} with the shape {@code given} declares: a number fixes a dimension the model leaves dynamic (or
   * repeats the model's size), -1 leaves it dynamic, a name such as {@code sequence} leaves it dynamic and names it.
   */
  private TensorSpec shaped(TensorSpec spec, List<Object> given, String where) {
    long[] shape = spec.shape();
    if (given.size() != shape.length) {
      throw new ModelLoadException(configFile, where + ".shape " + given + " has rank " + given.size()
          + "; expected rank " + shape.length + " like the model's " + Arrays.toString(shape));
    }
    TensorSpec out = spec;
    for (int i = 0; i < shape.length; i++) {
      Object g = given.get(i);
      if (g instanceof String name && name.trim().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        if (shape[i] != -1) {
          throw new ModelLoadException(configFile, where + ".shape " + given + " names dimension " + i + " '"
              + name.trim() + "', which the model fixes at " + shape[i] + "; expected names only for dynamic (-1)"
              + " dimensions");
        }
        out = out.withDimName(i, name.trim());
        continue;
      }
      long d;
      try {
        d = g instanceof Number n && n.doubleValue() == n.longValue() ? n.longValue()
            : Long.parseLong(String.valueOf(g).trim());
      } catch (NumberFormatException e) {
        throw new ModelLoadException(configFile, where + ".shape " + given + " has dimension '" + g + "'; expected"
            + " a whole number, -1 for any size, or a name such as sequence for a dynamic dimension");
      }
      if (d < -1 || (shape[i] != -1 && d != shape[i])) {
        throw new ModelLoadException(configFile, where + ".shape " + given + " does not fit the model's "
            + Arrays.toString(spec.shape()) + "; expected it to fix only dimensions the model leaves dynamic (-1)");
      }
      if (d != shape[i]) {
        shape[i] = d;
        List<String> names = new ArrayList<>(out.dimNames());
        if (!names.isEmpty() && d != -1) {
          names.set(i, ""); // a fixed dimension has no name
        }
        out = new TensorSpec(out.name(), out.dtype(), shape, names);
      }
    }
    return out;
  }

  /** Zero requests first ({@code warm-up.zeros}, default 1), then listed ones, then those of {@code warm-up.file}. */
  private List<NamedTensors> warmUp(ModelSignature signature) {
    List<NamedTensors> out = new ArrayList<>();
    Config w = config.hasPath("warm-up") ? config.getConfig("warm-up") : ConfigFactory.empty();
    try {
      for (String key : w.root().keySet()) {
        if (!Set.of("zeros", "inputs", "file").contains(key)) {
          throw new ModelLoadException(configFile, "unknown key warm-up." + key + "; expected zeros, inputs or file");
        }
      }
      int zeros = w.hasPath("zeros") ? w.getInt("zeros") : 1;
      if (zeros < 0 || zeros > 100) {
        throw new ModelLoadException(configFile, "warm-up.zeros is " + zeros + "; expected 0 to 100");
      }
      for (int i = 0; i < zeros; i++) {
        NamedTensors.Builder b = NamedTensors.builder();
        for (TensorSpec s : signature.inputs()) {
          long[] shape = s.shape();
          for (int d = 0; d < shape.length; d++) {
            shape[d] = shape[d] == -1 ? 1 : shape[d];
          }
          b.put(s.name(), Tensor.zeros(s.dtype(), shape));
        }
        out.add(b.build());
      }
      if (w.hasPath("inputs")) {
        out.addAll(inputs(w, signature, configFile, "inputs", "warm-up.inputs"));
      }
      if (w.hasPath("file")) {
        Path file = inside(configFile.getParent(), w.getString("file"), configFile, root);
        Config f = parse(file);
        if (!f.hasPath("inputs")) {
          throw new ModelLoadException(file, "has no inputs; expected inputs = [ { <input> { dtype = ..., shape ="
              + " [...], values = [...] } } ]");
        }
        out.addAll(inputs(f, signature, file, "inputs", "inputs"));
      }
    } catch (ConfigException e) {
      throw new ModelLoadException(configFile, "bad warm-up: " + e.getMessage());
    }
    return out;
  }

  private static List<NamedTensors> inputs(Config c, ModelSignature signature, Path file, String key,
      String label) {
    List<NamedTensors> out = new ArrayList<>();
    List<? extends com.typesafe.config.ConfigObject> requests = c.getObjectList(key);
    for (int r = 0; r < requests.size(); r++) {
      NamedTensors.Builder b = NamedTensors.builder();
      Config req = requests.get(r).toConfig();
      for (String name : requests.get(r).keySet()) {
        String where = label + "[" + r + "].\"" + name + "\"";
        try {
          Config t = req.getConfig(com.typesafe.config.ConfigUtil.joinPath(name));
          DataType dtype = t.hasPath("dtype") ? dtype(t.getString("dtype"), where)
              : signature.input(name).map(TensorSpec::dtype).orElseThrow(() -> new ModelLoadException(file,
                  where + " names no input of the model; expected one of "
                      + signature.inputs().stream().map(TensorSpec::name).toList()));
          long[] shape = t.getLongList("shape").stream().mapToLong(Long::longValue).toArray();
          b.put(name, tensor(dtype, shape, t.getList("values").unwrapped(), where, file));
        } catch (ConfigException | IllegalArgumentException e) {
          if (e instanceof ModelLoadException m) {
            throw m;
          }
          throw new ModelLoadException(file, where + ": " + e.getMessage() + "; expected { dtype = FLOAT32, shape"
              + " = [1, 4], values = [1, 2, 3, 4] }");
        }
      }
      out.add(b.build());
    }
    return out;
  }

  private static Tensor tensor(DataType dtype, long[] shape, List<Object> values, String where, Path file) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new ModelLoadException(file, where + ".shape " + Arrays.toString(shape)
            + " has a negative dimension; expected concrete sizes");
      }
      n *= d;
    }
    if (n != values.size()) {
      throw new ModelLoadException(file, where + " has " + values.size() + " values for shape "
          + Arrays.toString(shape) + "; expected " + n);
    }
    int size = values.size();
    switch (dtype) {
      case FLOAT32: {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
          v[i] = number(values.get(i), where, file).floatValue();
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64: {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
          v[i] = number(values.get(i), where, file).doubleValue();
        }
        return Tensor.ofDoubles(v, shape);
      }
      case INT32: {
        int[] v = new int[size];
        for (int i = 0; i < size; i++) {
          v[i] = number(values.get(i), where, file).intValue();
        }
        return Tensor.ofInts(v, shape);
      }
      case INT64: {
        long[] v = new long[size];
        for (int i = 0; i < size; i++) {
          v[i] = number(values.get(i), where, file).longValue();
        }
        return Tensor.ofLongs(v, shape);
      }
      case UINT8: {
        byte[] v = new byte[size];
        for (int i = 0; i < size; i++) {
          v[i] = (byte) number(values.get(i), where, file).intValue();
        }
        return Tensor.ofUint8(v, shape);
      }
      case BOOL: {
        boolean[] v = new boolean[size];
        for (int i = 0; i < size; i++) {
          if (!(values.get(i) instanceof Boolean b)) {
            throw new ModelLoadException(file, where + " value " + values.get(i) + " is not true or false");
          }
          v[i] = b;
        }
        return Tensor.ofBooleans(v, shape);
      }
      default: {
        String[] v = new String[size];
        for (int i = 0; i < size; i++) {
          v[i] = String.valueOf(values.get(i));
        }
        return Tensor.ofStrings(v, shape);
      }
    }
  }

  private static Number number(Object v, String where, Path file) {
    if (v instanceof Number n) {
      return n;
    }
    throw new ModelLoadException(file, where + " value " + v + " is not a number");
  }

  private static DataType dtype(String name, String where) {
    try {
      return DataType.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ".dtype is '" + name + "'; expected one of "
          + Arrays.toString(DataType.values()));
    }
  }

  private static String required(Config c, String key, Path file, String expected) {
    if (!c.hasPath(key) || c.getString(key).isBlank()) {
      throw new ModelLoadException(file, "no " + key + " is set; expected " + expected);
    }
    return c.getString(key).trim();
  }

  /**
   * {@code name} resolved in {@code dir}; it must stay inside {@code dir} by name, and inside {@code root} (when given)
   * once symbolic links are followed.
   */
  static Path inside(Path dir, String name, Path configFile, Path root) {
    Path rel;
    try {
      rel = Path.of(name);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ModelLoadException(configFile, "file '" + name + "' is not a valid path: " + e.getMessage());
    }
    Path resolved = dir.resolve(rel).normalize();
    if (rel.isAbsolute() || !resolved.startsWith(dir.normalize())) {
      throw new ModelLoadException(configFile, "file '" + name + "' leaves the version folder " + dir
          + "; expected a path relative to it, without '..'");
    }
    if (!Files.exists(resolved)) {
      throw new ModelLoadException(resolved, "does not exist; expected the file named in " + configFile);
    }
    if (root != null) {
      try {
        if (!resolved.toRealPath().startsWith(root)) {
          throw new ModelLoadException(resolved, "is a link to " + resolved.toRealPath() + ", outside the model "
              + "repository " + root + "; expected model files inside the repository");
        }
      } catch (IOException e) {
        throw new ModelLoadException(resolved, "cannot be resolved: " + e.getMessage());
      }
    }
    return resolved;
  }

  private static Map<String, String> options(Config c, Path file) {
    if (!c.hasPath("options")) {
      return Map.of();
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.getConfig("options").entrySet()) {
      ConfigValue v = e.getValue();
      if (v.valueType() == ConfigValueType.LIST || v.valueType() == ConfigValueType.NULL) {
        throw new ModelLoadException(file, "options." + e.getKey() + " is " + v.render()
            + "; expected a string, number or boolean");
      }
      out.put(e.getKey(), String.valueOf(v.unwrapped()));
    }
    return out;
  }

  /** Rejects unknown top-level keys, so a typo is reported rather than ignored; the binder checks those below. */
  private static void checkKeys(Path file, Config c, boolean modelLevel) {
    Set<String> known = new TreeSet<>(OWN_KEYS);
    known.addAll(SECTIONS);
    known.addAll(MODEL_SETTING_KEYS);
    for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
      if (e.getKey().equals("version-policy") && !modelLevel) {
        throw new ModelLoadException(file, "sets version-policy, which belongs in the model's own model.conf (one "
            + "folder up); expected it there");
      }
      if (!known.contains(e.getKey()) && !e.getKey().equals("version-policy")) {
        throw new ModelLoadException(file, "unknown key " + e.getKey() + " (" + e.getValue().origin().description()
            + "); expected one of " + known + (modelLevel ? " or version-policy" : ""));
      }
    }
  }
}
