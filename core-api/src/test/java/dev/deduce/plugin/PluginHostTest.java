package dev.deduce.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.plugin.PluginProblem.Reason;
import dev.deduce.plugin.fixture.engine.GraphEngine;
import dev.deduce.reference.ReferenceEngine;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.spi.InferenceEngine;
import dev.deduce.spi.LoadedModel;
import dev.deduce.spi.ModelSource;
import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginHostTest {

  @TempDir
  Path tmp;

  private Path plugins;
  private SimpleMeterRegistry registry;
  private PluginHost host;

  @BeforeEach
  void setUp() throws IOException {
    plugins = Files.createDirectory(tmp.resolve("plugins"));
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
  }

  private static PluginJars enginePlugin(String pluginId) {
    return PluginJars.plugin(pluginId).classes("engine").text(PluginJars.PF4J_INDEX,
        "# engines\n" + GraphEngine.class.getName() + "\n");
  }

  private static PluginJars storePlugin(String pluginId) {
    return PluginJars.plugin(pluginId).classes("store").text(PluginJars.STORE_SERVICES,
        "dev.deduce.plugin.fixture.store.MemoryStoreProvider\n");
  }

  private Path goodPlugins() {
    enginePlugin("graph-engine").jar(plugins, "graph-engine.jar");
    return storePlugin("memory-store").jar(plugins, "memory-store.jar");
  }

  private PluginHost start() {
    host = PluginHost.builder().pluginsDir(plugins).unpackCache(tmp.resolve("unpack-cache")).meterRegistry(registry)
        .start();
    return host;
  }

  private double failures(Reason reason) {
    return registry.counter(dev.deduce.runtime.MetricNames.PLUGINS_FAILED, "reason", reason.tag()).count();
  }

  private Path graphFile() throws IOException {
    ReferenceGraph graph = ReferenceGraph.builder("double")
        .input("x", DataType.FLOAT32, -1, 2)
        .op(ReferenceGraph.Op.ADD, "y", "x", "x")
        .output("y")
        .build();
    Path file = tmp.resolve("double.dgraph");
    graph.write(file);
    return file;
  }

  /** The good plugins still load and run, whatever else failed. */
  private void assertGoodPluginsWork() throws IOException {
    InferenceEngine engine = host.engine("graph").orElseThrow();
    Path file = graphFile();
    NamedTensors in = NamedTensors.of("x", Tensor.ofFloats(new float[] {1f, 2f, 3f, 4f}, 2, 2));
    try (LoadedModel model = engine.load(ModelSource.of("double", "1", file, "deduce-graph"))) {
      NamedTensors expected = ReferenceGraph.read(file).evaluate(in);
      assertThat(model.run(in)).isEqualTo(expected);
      assertThat(model.run(in).get("y").toFloatArray()).containsExactly(2f, 4f, 6f, 8f);
    }
    try (Store store = host.store("memory").orElseThrow().open(new StoreConfig(tmp.resolve("db"), Map.of()))) {
      RequestRecord request = new RequestRecord("r1", "double", "1", in, Instant.EPOCH, Instant.EPOCH.plusSeconds(5),
          null);
      store.append(List.of(request));
      assertThat(store.pending()).containsExactly(request);
      assertThat(store.get("r1")).isPresent();
      ClassLoader caller = Thread.currentThread().getContextClassLoader();
      NativeQuery query = store.nativeQuery().orElseThrow();
      assertThat(query.language()).isEqualTo("none");
      assertThatThrownBy(() -> query.query("select 1", Map.of())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("runs no query");
      assertThat(store.vectorSearch()).isEmpty();
      assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(caller);
    }
  }

  @Test
  void goodPluginsStartAndRunWithThePluginLoaderAsContextLoader() throws Exception {
    goodPlugins();
    start();

    assertThat(host.problems()).isEmpty();
    assertThat(host.engines()).extracting(Contributed::id).containsExactly("graph", ReferenceEngine.ID);
    Contributed<InferenceEngine> graph = host.engines().get(0);
    assertThat(graph.pluginId()).contains("graph-engine");
    assertThat(graph.source()).isEqualTo(plugins.resolve("graph-engine.jar").toString());
    assertThat(host.engines().get(1).source()).isEqualTo(PluginHost.CLASSPATH);
    assertThat(host.stores()).extracting(Contributed::id).containsExactly("memory");
    assertThat(host.plugins()).extracting(PluginInfo::id).containsExactly("graph-engine", "memory-store");

    // The fixtures throw unless the context loader is their plugin's loader, as DJL does; calls come from a thread
    // whose context loader is a stranger, and get it back afterwards.
    ClassLoader stranger = new URLClassLoader(new URL[0], null);
    Thread.currentThread().setContextClassLoader(stranger);
    try {
      assertGoodPluginsWork();
      assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(stranger);
    } finally {
      Thread.currentThread().setContextClassLoader(PluginHostTest.class.getClassLoader());
    }
  }

  @Test
  void fixtureRefusesAForeignContextLoader() {
    goodPlugins();
    start();
    InferenceEngine wrapped = host.engine("graph").orElseThrow();
    assertThat(wrapped).isNotInstanceOf(GraphEngine.class);
    assertThat(wrapped.formats()).containsExactly("deduce-graph");
    // The copy on the test classpath refuses calls from a thread whose context loader is not its own loader:
    // the context-loader check in the fixture is live.
    ClassLoader stranger = new URLClassLoader(new URL[0], null);
    Thread.currentThread().setContextClassLoader(stranger);
    try {
      assertThatThrownBy(GraphEngine::new).hasMessageContaining("expected the plugin's loader");
    } finally {
      Thread.currentThread().setContextClassLoader(PluginHostTest.class.getClassLoader());
    }
  }

  @Test
  void zipPluginLoadsItsClassesFromLib() throws IOException {
    enginePlugin("graph-engine").jar(plugins, "graph-engine.jar");
    storePlugin("memory-store").zip(plugins, "memory-store.zip");
    start();

    assertThat(host.problems()).isEmpty();
    assertThat(host.store("memory")).isPresent();
    assertGoodPluginsWork();
    // The zip is unpacked into the host's work folder, never next to it.
    try (var files = Files.list(plugins)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("graph-engine.jar",
          "memory-store.zip");
    }
  }

  @Test
  void zipWhoseEntriesEscapeTheFolderIsRefused() throws IOException {
    goodPlugins();
    Path evil = plugins.resolve("evil.zip");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(evil))) {
      zip.putNextEntry(new ZipEntry("classes/META-INF/MANIFEST.MF"));
      zip.write("Manifest-Version: 1.0\nPlugin-Id: evil\nPlugin-Version: 1.0.0\n\n".getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("../../../escaped.txt"));
      zip.write("outside".getBytes(StandardCharsets.UTF_8));
    }
    start();

    assertThat(host.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(evil.toString());
      assertThat(p.reason()).isEqualTo(Reason.CORRUPT);
      assertThat(p.message()).contains("cannot be unpacked").contains("escaped.txt");
    });
    assertThat(Path.of(System.getProperty("java.io.tmpdir")).resolve("escaped.txt")).doesNotExist();
    assertGoodPluginsWork();
  }

  @Test
  void corruptJarIsDisabledAndReported() throws IOException {
    goodPlugins();
    Path bad = Files.write(plugins.resolve("broken.jar"), "this is not a zip archive".getBytes(StandardCharsets.UTF_8));
    start();

    assertThat(host.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(bad.toString());
      assertThat(p.reason()).isEqualTo(Reason.CORRUPT);
      assertThat(p.message()).contains("not a readable jar");
    });
    assertThat(failures(Reason.CORRUPT)).isEqualTo(1.0);
    assertGoodPluginsWork();
  }

  @Test
  void jarWithoutManifestIsDisabledAndReported() throws IOException {
    goodPlugins();
    storePlugin("x").withoutManifest().jar(plugins, "no-manifest.jar");
    enginePlugin("x").attribute("Plugin-Id", null).text("META-INF/deduce-fixture/engine-id", "other")
        .jar(plugins, "no-id.jar");
    start();

    assertThat(host.problems()).extracting(PluginProblem::reason).containsOnly(Reason.BAD_MANIFEST);
    assertThat(host.problems()).extracting(PluginProblem::message).satisfiesExactlyInAnyOrder(
        m -> assertThat(m).contains("has no META-INF/MANIFEST.MF"),
        m -> assertThat(m).contains("lacks Plugin-Id"));
    assertThat(failures(Reason.BAD_MANIFEST)).isEqualTo(2.0);
    assertThat(host.engine("other")).isEmpty();
    assertGoodPluginsWork();
  }

  @Test
  void pluginRequiringNewerCoreApiIsDisabledAndReported() throws IOException {
    goodPlugins();
    Path future = enginePlugin("future").attribute("Plugin-Requires", "99.0.0")
        .text("META-INF/deduce-fixture/engine-id", "future").jar(plugins, "future.jar");
    enginePlugin("garbled").attribute("Plugin-Requires", "soon please")
        .text("META-INF/deduce-fixture/engine-id", "garbled").jar(plugins, "garbled.jar");
    start();

    assertThat(host.problems()).filteredOn(p -> p.reason() == Reason.INCOMPATIBLE).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(future.toString());
      assertThat(p.message()).contains("requires core-api >=99.0.0").contains(CoreVersion.full());
    });
    assertThat(host.problems()).filteredOn(p -> p.reason() == Reason.BAD_MANIFEST).singleElement()
        .extracting(PluginProblem::message).asString().contains("Plugin-Requires 'soon please'");
    assertThat(host.engine("future")).isEmpty();
    assertThat(failures(Reason.INCOMPATIBLE)).isEqualTo(1.0);
    assertGoodPluginsWork();
  }

  @Test
  void pluginThatThrowsInStartIsDisabledAndReported() throws IOException {
    goodPlugins();
    Path failing = enginePlugin("failing").classes("failing")
        .attribute("Plugin-Class", "dev.deduce.plugin.fixture.failing.FailingPlugin")
        .text("META-INF/deduce-fixture/engine-id", "failing").jar(plugins, "failing.jar");
    enginePlugin("missing-class").attribute("Plugin-Class", "dev.deduce.plugin.fixture.failing.NoSuchPlugin")
        .text("META-INF/deduce-fixture/engine-id", "missing").jar(plugins, "missing-class.jar");
    start();

    assertThat(host.problems()).extracting(PluginProblem::reason).containsOnly(Reason.START_FAILED);
    assertThat(host.problems()).filteredOn(p -> p.source().equals(failing.toString())).singleElement()
        .extracting(PluginProblem::message).asString().contains("no licence key configured");
    assertThat(host.problems()).extracting(PluginProblem::message)
        .anySatisfy(m -> assertThat(m).contains("NoSuchPlugin cannot be loaded"));
    assertThat(host.engine("failing")).isEmpty();
    assertThat(host.plugins()).extracting(PluginInfo::id).containsExactly("graph-engine", "memory-store");
    assertThat(failures(Reason.START_FAILED)).isEqualTo(2.0);
    assertGoodPluginsWork();
  }

  @Test
  void extensionWithoutUsableConstructorIsDisabledAndReported() throws IOException {
    goodPlugins();
    PluginJars.plugin("bad-extension").classes("store")
        .text(PluginJars.STORE_SERVICES, "dev.deduce.plugin.fixture.store.RootedStoreProvider\n")
        .jar(plugins, "bad-extension.jar");
    start();

    assertThat(host.problems()).singleElement().satisfies(p -> {
      assertThat(p.reason()).isEqualTo(Reason.EXTENSION_FAILED);
      assertThat(p.message()).contains("RootedStoreProvider").contains("no public no-argument constructor");
    });
    assertGoodPluginsWork();
  }

  @Test
  void twoJarsClaimingOneEngineIdFailStartUpNamingBoth() {
    Path first = enginePlugin("graph-a").jar(plugins, "graph-a.jar");
    Path second = enginePlugin("graph-b").jar(plugins, "graph-b.jar");

    assertThatThrownBy(this::start)
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("engine id 'graph'")
        .hasMessageContaining(first.toString())
        .hasMessageContaining(second.toString());
  }

  @Test
  void pluginClaimingAClasspathEngineIdFailsStartUpNamingBoth() {
    Path shadow = enginePlugin("shadow").text("META-INF/deduce-fixture/engine-id", ReferenceEngine.ID)
        .jar(plugins, "shadow.jar");

    assertThatThrownBy(this::start)
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("engine id 'reference'")
        .hasMessageContaining(PluginHost.CLASSPATH)
        .hasMessageContaining(shadow.toString());
  }

  @Test
  void twoJarsWithOnePluginIdFailStartUpNamingBoth() {
    Path first = storePlugin("store").jar(plugins, "store-1.jar");
    Path second = storePlugin("store").jar(plugins, "store-2.jar");

    assertThatThrownBy(this::start)
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("plugin id 'store'")
        .hasMessageContaining(first.toString())
        .hasMessageContaining(second.toString());
  }

  @Test
  void allowlistRefusesAJarWithAnUnknownDigestWithoutLoadingIt() throws Exception {
    Path engine = enginePlugin("graph-engine").jar(plugins, "graph-engine.jar");
    Path store = storePlugin("memory-store").jar(plugins, "memory-store.jar");
    // Were its code loaded, this plugin's start hook would throw and be reported as START_FAILED.
    Path stranger = enginePlugin("stranger").classes("failing")
        .attribute("Plugin-Class", "dev.deduce.plugin.fixture.failing.FailingPlugin")
        .text("META-INF/deduce-fixture/engine-id", "stranger").jar(plugins, "stranger.jar");
    host = PluginHost.builder().pluginsDir(plugins).meterRegistry(registry)
        .trustedDigests(List.of(sha256(engine).toUpperCase(), sha256(store)))
        .start();

    assertThat(host.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(stranger.toString());
      assertThat(p.reason()).isEqualTo(Reason.UNTRUSTED);
      assertThat(p.message()).contains(sha256(stranger)).contains("not on the allowlist");
    });
    assertThat(failures(Reason.UNTRUSTED)).isEqualTo(1.0);
    assertThat(host.plugins()).extracting(PluginInfo::sha256).containsExactly(sha256(engine), sha256(store));
    assertGoodPluginsWork();
  }

  @Test
  void allowlistEntryThatIsNotADigestIsRejected() {
    assertThatThrownBy(() -> PluginHost.builder().trustedDigests(List.of("abc123")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'abc123' is not a SHA-256 digest");
  }

  @Test
  void engineAndNativePluginsAreNeverUnloadedOrReloaded() throws IOException {
    goodPlugins();
    start();
    // A second host, as two stores named "memory" in one host would clash.
    Path nativeDir = Files.createDirectory(tmp.resolve("native"));
    storePlugin("native-store").attribute(PluginFile.NATIVE, "true").jar(nativeDir, "native-store.jar");
    try (PluginHost nativeHost = PluginHost.builder().pluginsDir(nativeDir).meterRegistry(registry).start()) {
      assertThatThrownBy(() -> host.unload("graph-engine"))
          .isInstanceOf(PluginHostException.class)
          .hasMessageContaining("refusing to unload plugin 'graph-engine'")
          .hasMessageContaining("contributes inference engines [graph]")
          .hasMessageContaining("Restart the JVM");
      assertThatThrownBy(() -> host.reload("graph-engine"))
          .hasMessageContaining("refusing to reload plugin 'graph-engine'");
      assertThatThrownBy(() -> nativeHost.unload("native-store"))
          .hasMessageContaining("Plugin-Native: true")
          .hasMessageContaining("already loaded in another classloader");
      assertThatThrownBy(() -> nativeHost.reload("native-store"))
          .hasMessageContaining("refusing to reload plugin 'native-store'");
      assertThat(nativeHost.plugins()).singleElement().extracting(PluginInfo::pinned).isEqualTo(true);
      assertThat(nativeHost.store("memory")).isPresent();
    }
    assertThat(host.plugins()).extracting(PluginInfo::pinned).containsExactly(true, false);
    assertGoodPluginsWork();
  }

  @Test
  void plainStorePluginReloadsANewBuildAndUnloads() throws IOException {
    goodPlugins();
    start();
    var before = host.store("memory").orElseThrow();
    replace(storePlugin("memory-store").attribute("Plugin-Version", "2.0.0"), "memory-store.jar");

    PluginInfo reloaded = host.reload("memory-store");

    assertThat(reloaded.version()).isEqualTo("2.0.0");
    assertThat(host.store("memory").orElseThrow()).isNotSameAs(before);
    assertGoodPluginsWork();

    host.unload("memory-store");
    assertThat(host.store("memory")).isEmpty();
    assertThat(host.plugins()).extracting(PluginInfo::id).containsExactly("graph-engine");
    assertThatThrownBy(() -> host.unload("memory-store")).hasMessageContaining("no plugin 'memory-store' is loaded");
  }

  @Test
  void reloadOfAJarThatBecameCorruptFailsAndReportsIt() throws IOException {
    goodPlugins();
    start();
    Path garbage = Files.write(tmp.resolve("garbage"), new byte[] {1, 2, 3});
    Files.move(garbage, plugins.resolve("memory-store.jar"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);

    assertThatThrownBy(() -> host.reload("memory-store"))
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("reloading plugin 'memory-store'")
        .hasMessageContaining("not a readable jar");
    assertThat(host.store("memory")).isEmpty();
    assertThat(host.problems()).extracting(PluginProblem::reason).containsExactly(Reason.CORRUPT);
    assertThat(failures(Reason.CORRUPT)).isEqualTo(1.0);
    assertThat(host.engine("graph")).isPresent();
  }

  /** Swaps a plugin file for a new build the way a deploy should: a new file moved over the old one. */
  private void replace(PluginJars build, String fileName) throws IOException {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    Files.move(build.jar(staging, fileName), plugins.resolve(fileName), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void missingPluginsFolderFailsStartUp() {
    assertThatThrownBy(() -> PluginHost.builder().pluginsDir(tmp.resolve("nowhere")).start())
        .isInstanceOf(PluginHostException.class)
        .hasMessageContaining("nowhere")
        .hasMessageContaining("does not exist or is not a folder");
  }

  @Test
  void brokenClasspathProviderIsReportedAndTheRestIsDiscovered() throws IOException {
    Path services = Files.createDirectories(tmp.resolve("cp/META-INF/services"));
    Files.writeString(services.resolve("dev.deduce.spi.InferenceEngine"), "com.example.NoSuchEngine\n");
    ClassLoader loader = new URLClassLoader(new URL[] {tmp.resolve("cp").toUri().toURL()},
        PluginHostTest.class.getClassLoader());
    host = PluginHost.builder().classLoader(loader).meterRegistry(registry).start();

    assertThat(host.problems()).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo(PluginHost.CLASSPATH);
      assertThat(p.reason()).isEqualTo(Reason.CLASSPATH_FAILED);
      assertThat(p.message()).contains("com.example.NoSuchEngine");
    });
    assertThat(host.engine(ReferenceEngine.ID)).isPresent();
    assertThat(failures(Reason.CLASSPATH_FAILED)).isEqualTo(1.0);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
