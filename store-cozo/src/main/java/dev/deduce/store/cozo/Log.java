package dev.deduce.store.cozo;

import dev.deduce.api.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The store's append-only data file. It holds two kinds of record, each its length, its CRC32 and a kind byte plus
 * payload: tensor blobs (the {@code TensorCodec} bytes of a request's inputs or a result's outputs, read back by
 * offset) and commits (the JSON of one committed Cozo mutation, which names its blobs by offset). One store call
 * writes its blobs and its commit in one go and forces them to disk once, so a commit is a group: the blobs before
 * it and the commit record itself.
 *
 * <p>Tensors never enter Cozo: they are opaque to Datalog, and moving megabytes through JSON and WASM memory is what
 * made large records slow. A snapshot covers the commits up to an offset; opening replays the commits after it. The
 * file is only ever cut back or replaced whole by {@link Compactor}: an incomplete last group is what a crash mid-write leaves and is dropped,
 * while a damaged record followed by an intact commit is corruption and fails the open rather than losing data.
 */
final class Log implements AutoCloseable {

  static final byte BLOB = 'B';
  static final byte COMMIT = 'C';
  static final int HEADER = 8;
  private static final int MAX_RECORD = Integer.MAX_VALUE - 64;

  /** Opens a log's file for reading and writing. */
  interface Channels {
    FileChannel open(Path file) throws IOException;
  }

  // the one seam for disk faults: tests put a channel here that fails its writes as a full disk does
  static volatile Channels channels = f -> FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
      StandardOpenOption.WRITE);

  private final Path file;
  private final FileChannel channel;
  private long end;

  private Log(Path file, FileChannel channel, long end) {
    this.file = file;
    this.channel = channel;
    this.end = end;
  }

  /**
   * Opens {@code file}, passes the payload of every intact commit after offset {@code from} to {@code commitsOut},
   * and cuts off an incomplete last group.
   */
  static Log open(Path file, long from, List<String> commitsOut) {
    FileChannel ch = null;
    try {
      ch = channels.open(file);
      long size = ch.size();
      if (size < from) {
        throw new StoreException("data log " + file + " holds " + size + " bytes but the snapshot covers " + from
            + "; expected the log the snapshot was taken from");
      }
      long firstBad = -1;
      List<String> commits = new ArrayList<>();
      long good = from;
      long pos = from;
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      while (size - pos >= HEADER) {
        header.clear();
        readFully(ch, header, pos);
        int len = header.getInt(0);
        int crc = header.getInt(4);
        if (len < 1 || len > MAX_RECORD || len > size - pos - HEADER) {
          break; // torn: the rest of the file is shorter than the record claims
        }
        ByteBuffer payload = ByteBuffer.allocate(len);
        readFully(ch, payload, pos + HEADER);
        byte[] b = payload.array();
        long next = pos + HEADER + len;
        if (crc(b, 0, len) != crc) {
          firstBad = firstBad < 0 ? pos : firstBad;
        } else if (b[0] == COMMIT) {
          if (firstBad >= 0) {
            throw new StoreException("data log " + file + " is corrupt at byte " + firstBad
                + ": a record fails its CRC but an intact commit follows; expected damage only at the tail");
          }
          commits.add(new String(b, 1, len - 1, StandardCharsets.UTF_8));
          good = next;
        } else if (b[0] != BLOB) {
          throw new StoreException("data log " + file + " has a record of unknown kind " + b[0] + " at byte " + pos
              + "; expected a file written by this store");
        }
        pos = next;
      }
      if (good < size) {
        ch.truncate(good);
        ch.force(true);
      }
      commitsOut.addAll(commits);
      return new Log(file, ch, good);
    } catch (IOException e) {
      close(ch);
      throw new StoreException("cannot open data log " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(ch);
      throw e;
    }
  }

  /** Offset just past the last committed group. */
  long end() {
    return end;
  }

  /** A group being assembled: blobs get their offsets at once, nothing reaches the file before {@link #commit}. */
  Group group() {
    return new Group();
  }

  /** The blob whose record starts at {@code offset}, checked against its CRC. */
  byte[] blob(long offset) {
    try {
      if (offset < 0 || offset > end - HEADER) {
        throw new StoreException("data log " + file + " has no record at byte " + offset + "; the store's "
            + "relations and its log disagree");
      }
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      readFully(channel, header, offset);
      int len = header.getInt(0);
      if (len < 1 || len > end - offset - HEADER) {
        throw new StoreException("data log " + file + " has a damaged record header at byte " + offset);
      }
      ByteBuffer payload = ByteBuffer.allocate(len);
      readFully(channel, payload, offset + HEADER);
      byte[] b = payload.array();
      if (crc(b, 0, len) != header.getInt(4) || b[0] != BLOB) {
        throw new StoreException("data log " + file + " has a damaged tensor record at byte " + offset
            + "; its CRC does not match");
      }
      byte[] out = new byte[len - 1];
      System.arraycopy(b, 1, out, 0, out.length);
      return out;
    } catch (IOException e) {
      throw new StoreException("cannot read data log " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new StoreException("cannot close data log " + file + ": " + e.getMessage(), e);
    }
  }

  /** Blobs and one commit, written together and forced to disk once. */
  final class Group {
    private final List<ByteBuffer> buffers = new ArrayList<>();
    private long next = end;

    /** Adds a blob record; returns the offset it will have. */
    long blob(byte[] data) {
      long at = next;
      add(BLOB, data);
      return at;
    }

    /** Appends the blobs and {@code commitJson} and forces them to disk; on failure the file is cut back. */
    void commit(String commitJson) {
      seal(commitJson);
      write();
    }

    /** Adds the commit record: the group is complete and its size known. */
    void seal(String commitJson) {
      add(COMMIT, commitJson.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes zeros over the sealed group's extent and forces them, so a disk without room fails here, before memory
     * holds anything the file lacks. Zeros read as a torn tail, so a crash before {@link #write} drops them.
     */
    void reserve() {
      long start = end;
      try {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(next - start, 1 << 20));
        for (long at = start; at < next; ) {
          zeros.clear().limit((int) Math.min(zeros.capacity(), next - at));
          at += channel.write(zeros, at);
        }
        channel.force(false);
      } catch (IOException e) {
        throw cutBack(start, e);
      }
    }

    /** Writes the sealed group and forces it to disk; on failure the file is cut back and it may be written again. */
    void write() {
      long start = end;
      try {
        ByteBuffer[] all = buffers.stream().map(ByteBuffer::duplicate).toArray(ByteBuffer[]::new);
        long want = next - start;
        long written = 0;
        channel.position(start);
        while (written < want) {
          written += channel.write(all);
        }
        channel.force(false);
        end = next;
      } catch (IOException e) {
        throw cutBack(start, e);
      }
    }

    private StoreException cutBack(long start, IOException e) {
      try {
        channel.truncate(start);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      return new StoreException("cannot write data log " + file + ": " + e.getMessage(), e);
    }

    private void add(byte kind, byte[] data) {
      if (data.length >= MAX_RECORD) {
        throw new IllegalArgumentException("a record of " + data.length + " bytes does not fit the data log; "
            + "expected under " + MAX_RECORD);
      }
      ByteBuffer header = ByteBuffer.allocate(HEADER + 1);
      CRC32 c = new CRC32();
      c.update(kind);
      c.update(data);
      header.putInt(data.length + 1).putInt((int) c.getValue()).put(kind).flip();
      buffers.add(header);
      buffers.add(ByteBuffer.wrap(data));
      next += HEADER + 1 + data.length;
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf, at + buf.position()) < 0) {
        throw new IOException("unexpected end of file at byte " + (at + buf.position()));
      }
    }
  }

  static int crc(byte[] b, int off, int len) {
    CRC32 c = new CRC32();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  private static void close(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // already failing; the first error is the one reported
      }
    }
  }
}
