package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.api.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rewrites the data log keeping only the tensor blobs some request still references, dropping commit records a
 * snapshot covers and blobs nothing references (a duplicate {@code append}, a {@code complete} that lost to an
 * earlier outcome). The new log gets a new name ({@code data-<n>.log}) and the snapshot names the log it belongs
 * to, so the atomic rename of the snapshot is the one moment the store switches; a crash before it leaves the old
 * pair, and the unfinished new log is deleted at the next open.
 *
 * <p>Writers wait only for the last step. The bulk of the copy, every blob up to the log's end when compaction
 * started, runs without the store's lock while writers keep appending to the old log; the last step, under the
 * lock, copies the blobs written meanwhile, writes the snapshot with the new offsets and moves the in-memory rows to
 * them: work proportional to the number of requests, not to tensor bytes.
 */
final class Compactor {

  private static final String OFFSETS = "?[o] := *deduce_request{inputs_at: o}, !is_null(o)"
      + " ?[o] := *deduce_request{outputs_at: o}, !is_null(o)";

  private final DurableCozo cozo;
  private final Object lock;

  Compactor(DurableCozo cozo, Object lock) {
    this.cozo = cozo;
    this.lock = lock;
  }

  /** Compacts now, in this thread; the new log's size. */
  long run() {
    long end;
    String oldName;
    TreeSet<Long> live;
    synchronized (lock) {
      end = cozo.logEnd();
      oldName = cozo.logName();
      live = offsets();
    }
    Path folder = cozo.folder();
    String newName = DurableCozo.nextLogName(oldName);
    Path newFile = folder.resolve(newName);
    Map<Long, Long> moved = new HashMap<>();
    boolean switched = false;
    try (FileChannel out = FileChannel.open(newFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel in = FileChannel.open(folder.resolve(oldName), StandardOpenOption.READ)) {
      for (long offset : live) {
        if (offset < end) {
          moved.put(offset, copy(in, offset, out));
        }
      }
      synchronized (lock) {
        if (cozo.closed()) {
          throw new StoreException("the store closed during compaction; the uncompacted log stays");
        }
        if (!cozo.logName().equals(oldName)) {
          throw new IllegalStateException("the data log changed to " + cozo.logName() + " during compaction");
        }
        for (long offset : offsets()) {
          if (!moved.containsKey(offset)) {
            moved.put(offset, copy(in, offset, out));
          }
        }
        out.force(true);
        long newEnd = out.position();
        ObjectNode relations = cozo.exportRelations();
        ObjectNode requests = (ObjectNode) relations.get("deduce_request");
        rewrite(requests, moved);
        ObjectNode snapshot = CozoDb.JSON.createObjectNode();
        snapshot.put("log_end", newEnd);
        snapshot.put("log", newName);
        snapshot.set("relations", relations);
        Snapshots.write(folder.resolve(DurableCozo.SNAPSHOT), snapshot);
        switched = true;
        cozo.switchLog(newName, newEnd, requests);
        Files.deleteIfExists(folder.resolve(oldName));
        return newEnd;
      }
    } catch (IOException | RuntimeException e) {
      if (switched) {
        // the disk has the new pair already: make memory match it
        synchronized (lock) {
          cozo.reload();
        }
        throw e instanceof RuntimeException r ? r : new StoreException(e.getMessage(), e);
      }
      try {
        Files.deleteIfExists(newFile);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e instanceof StoreException s ? s : new StoreException("cannot compact the data log in " + folder
          + ": " + e.getMessage() + "; the store keeps the uncompacted log", e);
    }
  }

  private TreeSet<Long> offsets() {
    TreeSet<Long> out = new TreeSet<>();
    for (JsonNode row : cozo.read(OFFSETS, Map.of()).rows()) {
      out.add(row.get(0).asLong());
    }
    return out;
  }

  // one blob record, header and all, checked against its CRC before it is trusted to the new log
  private static long copy(FileChannel in, long offset, FileChannel out) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(Log.HEADER);
    readFully(in, header, offset);
    int len = header.getInt(0);
    if (len < 1 || len > in.size() - offset - Log.HEADER) {
      throw new StoreException("data log record at byte " + offset + " has a damaged header");
    }
    ByteBuffer payload = ByteBuffer.allocate(len);
    readFully(in, payload, offset + Log.HEADER);
    if (Log.crc(payload.array(), 0, len) != header.getInt(4) || payload.get(0) != Log.BLOB) {
      throw new StoreException("data log record at byte " + offset + " fails its CRC; expected a tensor blob");
    }
    long at = out.position();
    header.rewind();
    payload.rewind();
    while (header.hasRemaining() || payload.hasRemaining()) {
      out.write(new ByteBuffer[] {header, payload});
    }
    return at;
  }

  private static void rewrite(ObjectNode relation, Map<Long, Long> moved) {
    List<String> headers = CozoDb.JSON.convertValue(relation.get("headers"),
        CozoDb.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    int in = headers.indexOf("inputs_at");
    int outCol = headers.indexOf("outputs_at");
    for (JsonNode row : relation.get("rows")) {
      for (int col : new int[] {in, outCol}) {
        JsonNode v = row.get(col);
        if (!v.isNull()) {
          Long to = moved.get(v.asLong());
          if (to == null) {
            throw new IllegalStateException("request row references byte " + v.asLong() + " of the data log, which "
                + "compaction did not copy");
          }
          ((ArrayNode) row).set(col, CozoDb.JSON.getNodeFactory().numberNode(to));
        }
      }
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf, at + buf.position()) < 0) {
        throw new IOException("unexpected end of file at byte " + (at + buf.position()));
      }
    }
  }
}
