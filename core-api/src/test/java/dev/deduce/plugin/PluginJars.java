package dev.deduce.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Packs compiled fixture classes into real PF4J plugin files at test time: a jar with manifest and extension index,
 * or a zip with {@code classes/} and {@code lib/}.
 */
public final class PluginJars {

  /** The extension index of the engine extension point. */
  public static final String ENGINE_SERVICES = "META-INF/services/dev.deduce.spi.InferenceEngine";
  /** The extension index of the store extension point. */
  public static final String STORE_SERVICES = "META-INF/services/dev.deduce.spi.StoreProvider";
  /** PF4J's own extension index. */
  public static final String PF4J_INDEX = "META-INF/extensions.idx";

  private final Map<String, byte[]> entries = new LinkedHashMap<>();
  private Map<String, String> manifest;

  private PluginJars() {
  }

  /** A plugin with the usual manifest: Plugin-Id {@code id}, version 1.0.0, requiring this core-api. */
  public static PluginJars plugin(String id) {
    PluginJars jar = new PluginJars();
    jar.manifest = new LinkedHashMap<>();
    jar.manifest.put("Plugin-Id", id);
    jar.manifest.put("Plugin-Version", "1.0.0");
    jar.manifest.put("Plugin-Provider", "dev.deduce tests");
    jar.manifest.put("Plugin-Requires", CoreVersion.release(CoreVersion.full()));
    return jar;
  }

  /** Sets ({@code value} non-null) or removes a manifest attribute. */
  public PluginJars attribute(String name, String value) {
    if (value == null) {
      manifest.remove(name);
    } else {
      manifest.put(name, value);
    }
    return this;
  }

  /** Leaves META-INF/MANIFEST.MF out altogether. */
  public PluginJars withoutManifest() {
    manifest = null;
    return this;
  }

  /** Adds every compiled class of the fixture package {@code fixture.<name>}. */
  public PluginJars classes(String fixture) {
    String dir = "dev/deduce/plugin/fixture/" + fixture;
    Path root = testClasses().resolve(dir);
    try (Stream<Path> files = Files.list(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        entries.put(dir + "/" + f.getFileName(), Files.readAllBytes(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read compiled fixtures in " + root, e);
    }
    return this;
  }

  /** Adds a text entry such as an extension index. */
  public PluginJars text(String name, String content) {
    entries.put(name, content.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** Writes the plugin as a jar {@code dir/fileName}. */
  public Path jar(Path dir, String fileName) {
    Path file = dir.resolve(fileName);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(jarBytes(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /**
   * Writes the plugin as a zip {@code dir/fileName}: the manifest and text entries under {@code classes/}, the classes
   * in {@code lib/fixture.jar}, as the packaging convention lays out a plugin with dependencies.
   */
  public Path zip(Path dir, String fileName) {
    Path file = dir.resolve(fileName);
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      if (manifest != null) {
        put(zip, "classes/META-INF/MANIFEST.MF", manifestBytes());
      }
      Map<String, byte[]> classes = new LinkedHashMap<>();
      entries.forEach((name, bytes) -> {
        if (name.endsWith(".class")) {
          classes.put(name, bytes);
        }
      });
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        if (!e.getKey().endsWith(".class")) {
          put(zip, "classes/" + e.getKey(), e.getValue());
        }
      }
      PluginJars lib = new PluginJars();
      lib.entries.putAll(classes);
      put(zip, "lib/fixture.jar", lib.jarBytes(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private byte[] jarBytes(String prefix) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = manifest == null ? new JarOutputStream(bytes) : new JarOutputStream(bytes, toManifest())) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        put(zip, prefix + e.getKey(), e.getValue());
      }
    }
    return bytes.toByteArray();
  }

  private byte[] manifestBytes() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    toManifest().write(bytes);
    return bytes.toByteArray();
  }

  private Manifest toManifest() {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.forEach((k, v) -> m.getMainAttributes().put(new Attributes.Name(k), v));
    return m;
  }

  private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(content);
    zip.closeEntry();
  }

  private static Path testClasses() {
    try {
      return Path.of(PluginJars.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
