package dev.deduce.store.cozo;

import static dev.deduce.store.cozo.Fixtures.done;
import static dev.deduce.store.cozo.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, injected under the data log (the store's only file written per call): writes fail as ENOSPC does,
 * reads go on. The store retries a failed write briefly, rebuilds at most once while the disk stays full, and
 * recovers by itself once there is room again, with every acknowledged write intact.
 */
class FullDiskTest {

  @TempDir
  Path dir;
  final AtomicBoolean full = new AtomicBoolean();
  final AtomicInteger opens = new AtomicInteger();
  Log.Channels saved;

  @BeforeEach
  void injectDisk() {
    saved = Log.channels;
    Log.channels = f -> {
      opens.incrementAndGet();
      return new Disk(FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE), full);
    };
  }

  @AfterEach
  void restoreDisk() {
    Log.channels = saved;
  }

  private Store open() {
    return new CozoStoreProvider().open(new StoreConfig(dir, Map.of("embedding.output", "emb", "embedding.dim",
        "3")));
  }

  @Test
  void whileTheDiskStaysFullCallsFailWithoutARebuildEachAndTheStoreRecoversOnceThereIsRoom() {
    try (Store store = open()) {
      store.append(List.of(request("before", 1)));
      int opened = opens.get();
      full.set(true);
      assertThatThrownBy(() -> store.append(List.of(request("refused-0", 2))))
          .isInstanceOf(StoreException.class).hasMessageContaining("No space left on device");
      assertThat(opens.get()).as("one rebuild after the first failed write").isEqualTo(opened + 1);
      for (int i = 1; i <= 5; i++) {
        String id = "refused-" + i;
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.append(List.of(request(id, 2)))).isInstanceOf(StoreException.class)
            .hasMessageContaining("No space left on device");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("a refused call returns at once").isLessThan(500);
      }
      assertThat(opens.get()).as("no rebuild per failed call").isEqualTo(opened + 1);
      assertThat(store.get("before")).as("reads go on while writes fail").isPresent();

      full.set(false);
      store.append(List.of(request("after", 3)));
      store.complete(List.of(done(request("before", 1), 1, 0, 0), done(request("after", 3), 0, 1, 0)));
      assertThat(store.get("after").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
    }
    try (Store reopened = open()) {
      assertThat(reopened.get("before").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
      assertThat(reopened.get("after").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
      for (int i = 0; i <= 5; i++) {
        assertThat(reopened.get("refused-" + i)).as("refused-%d was never acknowledged", i).isEmpty();
      }
      assertThat(reopened.pending()).isEmpty();
    }
  }

  @Test
  void aDiskFullForAMomentCostsARetryNotARebuild() throws Exception {
    try (Store store = open()) {
      store.append(List.of(request("a", 1)));
      int opened = opens.get();
      full.set(true);
      Thread freer = new Thread(() -> {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        full.set(false);
      });
      freer.start();
      store.append(List.of(request("b", 2)));
      freer.join();
      assertThat(opens.get()).as("no rebuild").isEqualTo(opened);
      assertThat(store.get("b")).isPresent();
    }
    try (Store reopened = open()) {
      assertThat(reopened.get("b")).isPresent();
    }
  }

  /** A file on a disk that can be full: writes then fail as ENOSPC does, with nothing written. */
  static final class Disk extends FileChannel {
    private final FileChannel file;
    private final AtomicBoolean full;

    Disk(FileChannel file, AtomicBoolean full) {
      this.file = file;
      this.full = full;
    }

    private void room() throws IOException {
      if (full.get()) {
        throw new IOException("No space left on device");
      }
    }

    @Override public int read(ByteBuffer dst) throws IOException { return file.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int off, int len) throws IOException {
      return file.read(dsts, off, len);
    }
    @Override public int write(ByteBuffer src) throws IOException { room(); return file.write(src); }
    @Override public long write(ByteBuffer[] srcs, int off, int len) throws IOException {
      room();
      return file.write(srcs, off, len);
    }
    @Override public long position() throws IOException { return file.position(); }
    @Override public FileChannel position(long p) throws IOException { file.position(p); return this; }
    @Override public long size() throws IOException { return file.size(); }
    @Override public FileChannel truncate(long size) throws IOException { file.truncate(size); return this; }
    @Override public void force(boolean metaData) throws IOException { file.force(metaData); }
    @Override public long transferTo(long p, long n, WritableByteChannel t) throws IOException {
      return file.transferTo(p, n, t);
    }
    @Override public long transferFrom(ReadableByteChannel s, long p, long n) throws IOException {
      room();
      return file.transferFrom(s, p, n);
    }
    @Override public int read(ByteBuffer dst, long p) throws IOException { return file.read(dst, p); }
    @Override public int write(ByteBuffer src, long p) throws IOException { room(); return file.write(src, p); }
    @Override public MappedByteBuffer map(MapMode mode, long p, long size) throws IOException {
      return file.map(mode, p, size);
    }
    @Override public FileLock lock(long p, long size, boolean shared) throws IOException {
      return file.lock(p, size, shared);
    }
    @Override public FileLock tryLock(long p, long size, boolean shared) throws IOException {
      return file.tryLock(p, size, shared);
    }
    @Override protected void implCloseChannel() throws IOException { file.close(); }
  }
}
