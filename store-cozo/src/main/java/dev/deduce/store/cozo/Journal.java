package dev.deduce.store.cozo;

import dev.deduce.api.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Append-only log of committed mutations: each record is its length, its CRC32 and its UTF-8 payload. A record cut
 * short or failing its CRC at the end of the file is what a crash mid-write leaves; it is dropped on open. A bad
 * record with intact records after it is corruption, and opening fails rather than silently losing them.
 */
final class Journal implements AutoCloseable {

  private static final int HEADER = 8;
  private static final int MAX_RECORD = 1 << 30;

  private final Path file;
  private final FileChannel channel;

  private Journal(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Opens {@code file}, returning it with the intact records read from it; a torn tail is cut off. */
  static Journal open(Path file, List<String> recordsOut) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      long size = ch.size();
      ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
      while (all.hasRemaining() && ch.read(all) >= 0) {
        // read until full
      }
      all.flip();
      long good = 0;
      while (all.remaining() >= HEADER) {
        int start = all.position();
        int len = all.getInt();
        int crc = all.getInt();
        if (len < 0 || len > MAX_RECORD || len > all.remaining()) {
          break; // torn: the rest of the file is shorter than the record claims
        }
        byte[] payload = new byte[len];
        all.get(payload);
        if (crc(payload) != crc) {
          if (all.hasRemaining()) {
            ch.close();
            throw new StoreException("journal " + file + " is corrupt at byte " + start
                + ": a record fails its CRC but intact data follows; expected damage only at the tail");
          }
          all.position(start);
          break;
        }
        recordsOut.add(new String(payload, StandardCharsets.UTF_8));
        good = all.position();
      }
      if (good < size) {
        ch.truncate(good);
        ch.force(true);
      }
      ch.position(good);
      return new Journal(file, ch);
    } catch (IOException e) {
      throw new StoreException("cannot open journal " + file + ": " + e.getMessage(), e);
    }
  }

  /** Appends {@code payload} and forces it to disk before returning. */
  void append(String payload) {
    byte[] b = payload.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(HEADER + b.length);
    buf.putInt(b.length).putInt(crc(b)).put(b).flip();
    try {
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
      channel.force(false);
    } catch (IOException e) {
      throw new StoreException("cannot write journal " + file + ": " + e.getMessage(), e);
    }
  }

  /** Bytes written so far. */
  long size() {
    try {
      return channel.size();
    } catch (IOException e) {
      throw new StoreException("cannot read journal size of " + file + ": " + e.getMessage(), e);
    }
  }

  /** Empties the journal once a snapshot holds everything in it. */
  void reset() {
    try {
      channel.truncate(0);
      channel.position(0);
      channel.force(true);
    } catch (IOException e) {
      throw new StoreException("cannot truncate journal " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new StoreException("cannot close journal " + file + ": " + e.getMessage(), e);
    }
  }

  private static int crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return (int) c.getValue();
  }
}
