package dev.deduce.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zip plugins unpacked once into a cache keyed by the zip's SHA-256, safely under concurrent starts. */
class UnpackCacheTest {

  @TempDir
  Path tmp;

  private Path storeZip(Path dir, String name, String extra) throws IOException {
    return PluginJars.plugin("memory-store").classes("store").text(PluginJars.STORE_SERVICES,
        "dev.deduce.plugin.fixture.store.MemoryStoreProvider\n" + extra).zip(dir, name);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(UnpackCache.DIGESTS)).sorted()
          .toList();
    }
  }

  private PluginHost start(Path plugins, Path cache) {
    return PluginHost.builder().pluginsDir(plugins).unpackCache(cache)
        .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).start();
  }

  @Test
  void anUnchangedZipsDigestIsTakenFromTheCacheAndARebuiltZipIsHashedAgain() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    Path zip = storeZip(plugins, "memory-store.zip", "");
    Path cache = tmp.resolve("cache");
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.store("memory")).isPresent();
    }
    assertThat(UnpackCache.open(cache).digest(zip)).contains(sha256(zip));

    // a digest recorded for the file as it is now is believed: the next start unpacks under it without hashing
    String planted = "0".repeat(64);
    UnpackCache.open(cache).remember(zip, UnpackCache.stamp(zip), planted);
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.store("memory")).isPresent();
    }
    assertThat(entries(cache)).contains("memory-store-" + planted);

    // a rebuilt zip has another stamp: it is hashed again and unpacked under its own digest
    Files.delete(zip);
    storeZip(plugins, "memory-store.zip", "# rebuilt\n");
    assertThat(UnpackCache.open(cache).digest(zip)).isEmpty();
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.store("memory")).isPresent();
    }
    assertThat(entries(cache)).contains("memory-store-" + sha256(zip));
  }

  @Test
  void anAllowlistHashesEveryFileWhateverTheCacheRemembers() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    Path zip = storeZip(plugins, "memory-store.zip", "");
    Path cache = tmp.resolve("cache");
    UnpackCache.open(cache).remember(zip, UnpackCache.stamp(zip), "0".repeat(64));
    try (PluginHost host = PluginHost.builder().pluginsDir(plugins).unpackCache(cache)
        .trustedDigests(List.of(sha256(zip))).meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
        .start()) {
      assertThat(host.problems()).isEmpty();
      assertThat(host.store("memory")).isPresent();
    }
    assertThat(entries(cache)).doesNotContain("memory-store-" + "0".repeat(64));
  }

  @Test
  void aZipIsUnpackedOnceAndLaterStartsReuseThatFolder() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    Path zip = storeZip(plugins, "memory-store.zip", "");
    Path cache = tmp.resolve("cache");
    Object firstKey;
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.problems()).isEmpty();
      assertThat(host.store("memory")).isPresent();
      assertThat(entries(cache)).containsExactly("memory-store-" + sha256(zip));
      firstKey = Files.readAttributes(cache.resolve("memory-store-" + sha256(zip)),
          java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }
    // closing the host leaves the cache in place for the next start
    try (PluginHost again = start(plugins, cache)) {
      assertThat(again.store("memory")).isPresent();
      Path entry = cache.resolve("memory-store-" + sha256(zip));
      assertThat(entries(cache)).containsExactly(entry.getFileName().toString());
      assertThat(Files.readAttributes(entry, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
          .as("the same folder, not a new unpack").isEqualTo(firstKey);
    }
  }

  @Test
  void aChangedZipGetsItsOwnFolder() throws Exception {
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    Path cache = tmp.resolve("cache");
    Path zip = storeZip(plugins, "memory-store.zip", "");
    String before = sha256(zip);
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.store("memory")).isPresent();
    }
    storeZip(plugins, "memory-store.zip", "# rebuilt\n");
    String after = sha256(zip);
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.store("memory")).isPresent();
    }
    assertThat(after).isNotEqualTo(before);
    assertThat(entries(cache)).containsExactlyInAnyOrder("memory-store-" + before, "memory-store-" + after);
  }

  @Test
  void concurrentUnpacksOfOneZipAllGetTheSameCompleteFolderAndLeaveNoPartialOnes() throws Exception {
    Path zip = storeZip(Files.createDirectory(tmp.resolve("plugins")), "memory-store.zip", "");
    String digest = sha256(zip);
    Path cache = tmp.resolve("cache");
    int starts = 6;
    ExecutorService pool = Executors.newFixedThreadPool(starts);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Path>> results = new ArrayList<>();
    try {
      for (int i = 0; i < starts; i++) {
        // a cache object each, as separate processes would have
        results.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
            return UnpackCache.open(cache).unpacked(zip, "memory-store", digest);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      go.countDown();
      for (CompletableFuture<Path> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(cache.resolve("memory-store-" + digest));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(entries(cache)).containsExactly("memory-store-" + digest);
    Path unpacked = cache.resolve("memory-store-" + digest);
    assertThat(unpacked.resolve("classes/META-INF/MANIFEST.MF")).isRegularFile();
    assertThat(unpacked.resolve("lib")).isDirectory();
  }

  @Test
  void aCacheFolderOthersCanWriteToIsRefusedAndTheZipIsUnpackedAfresh() throws Exception {
    assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    Path plugins = Files.createDirectory(tmp.resolve("plugins"));
    storeZip(plugins, "memory-store.zip", "");
    Path cache = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (PluginHost host = start(plugins, cache)) {
      assertThat(host.problems()).isEmpty();
      assertThat(host.store("memory")).isPresent();
    }
    assertThat(entries(cache)).as("nothing loaded from, or written to, a folder others can write").isEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> UnpackCache.open(cache))
        .hasMessageContaining("only it can write to").hasMessageContaining("rwxrwxrwx");
  }
}
