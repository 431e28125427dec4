package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.api.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One in-memory Cozo instance made durable: every mutation it accepts is appended to the data log and forced to
 * disk before the caller hears of it, and the relations are snapshotted so that opening replays a bounded journal.
 * Not thread-safe: the store serialises every call.
 *
 * <p>A snapshot is written when the commits since the last one pass {@code snapshot.journalBytes} or the last
 * snapshot's size, whichever is larger, when the oldest of them is {@code snapshot.seconds} old (checked at each
 * commit), right after an open that replayed anything, and on close. So however many times the process is killed,
 * an open replays at most what one run wrote within those bounds.
 */
final class DurableCozo implements AutoCloseable {

  static final String SNAPSHOT = "snapshot.json";
  static final String LOG = "data.log";

  private static final Logger LOG_ = LoggerFactory.getLogger(DurableCozo.class);
  private static final Pattern LOG_NAME = Pattern.compile("data(?:-(\\d+))?\\.log");
  // pauses before writing a failed log group again: under a second in all, with the store's lock held
  private static final long[] WRITE_RETRY_MILLIS = {20, 100, 400};

  private final Path folder;
  private final Supplier<CozoRunner> engines;
  private final CozoStoreOptions options;
  // the store's lock, which the background compaction takes for its last step
  private final Object lock;
  private CozoDb db;
  private Log log;
  // the data log the snapshot belongs to: data.log until the first compaction, then data-<n>.log
  private String logName = LOG;
  // the log's size after the last compaction (or open): compaction runs again once it has doubled
  private long compactedSize;
  private Thread compaction;
  // a compaction still copying when the store closes finds this under the lock and gives up
  private boolean closed;
  // commit bytes since the last snapshot, and when the first of them was written: replay work on the next open
  private long unsnapshotted;
  private long firstUnsnapshottedNanos;
  private int replayedAtOpen;
  private long lastSnapshotBytes;
  // counts engine (re)builds: derived state such as the HNSW index is gone after each
  private int generation;
  // changes whenever rows change other than by the store's own writes: a rebuild from disk, a compaction's offsets
  private int rowsEpoch;
  // the last log write failed after its retries: the next commit reserves its bytes before touching memory
  private boolean lastWriteFailed;

  DurableCozo(Path folder, CozoStoreOptions options, Supplier<CozoRunner> engines, Object lock) {
    this.folder = folder;
    this.options = options;
    this.engines = engines;
    this.lock = lock;
    load();
    compactedSize = log.end();
    deleteStrayLogs();
  }

  /** Runs a read-only script; a panic rebuilds the engine from disk and is reported as a store failure. */
  CozoDb.Rows read(String script, Object params) {
    try {
      return db.run(script, params, true);
    } catch (CozoPanicException e) {
      rebuild();
      throw new StoreException(e.getMessage() + "; the engine was rebuilt from the last durable state", e);
    }
  }

  /**
   * Runs mutation {@code script} and makes it durable together with {@code group}'s blobs; {@code op} names the
   * script for replay.
   */
  CozoDb.Rows commit(Log.Group group, String op, String script, Map<String, Object> params) {
    String json = CozoDb.write(params);
    // op is one of two fixed words; the parameters are spliced in as the JSON already written for Cozo
    String record = "{\"op\":\"" + op + "\",\"params\":" + json + "}";
    group.seal(record);
    if (lastWriteFailed) {
      // while the disk refuses writes, each call fails here with memory untouched, instead of a rebuild per call
      group.reserve();
    }
    CozoDb.Rows out;
    try {
      out = db.runJson(script, json);
    } catch (CozoPanicException e) {
      rebuild();
      throw new StoreException(e.getMessage() + "; the engine was rebuilt from the last durable state", e);
    }
    try {
      writeWithRetries(group);
      lastWriteFailed = false;
    } catch (StoreException e) {
      // memory now holds what the disk does not: go back to what is durable
      lastWriteFailed = true;
      rebuild();
      throw e;
    }
    if (unsnapshotted == 0) {
      firstUnsnapshottedNanos = System.nanoTime();
    }
    unsnapshotted += record.length();
    // a snapshot rewrites every row: taking one per fixed number of journal bytes would make the total work grow
    // with the square of the store's size, so the journal may grow to the last snapshot's size before the next
    if (unsnapshotted >= Math.max(options.snapshotJournalBytes(), lastSnapshotBytes)
        || System.nanoTime() - firstUnsnapshottedNanos >= options.snapshotSeconds() * 1_000_000_000L) {
      snapshot();
    }
    compactIfDue();
    return out;
  }

  // a disk that is full for a moment (a log rotated, a temp file deleted) should not cost a rebuild
  private void writeWithRetries(Log.Group group) {
    for (int attempt = 0; ; attempt++) {
      try {
        group.write();
        return;
      } catch (StoreException e) {
        if (attempt >= WRITE_RETRY_MILLIS.length) {
          throw e;
        }
        LOG_.warn("writing the data log in {} failed; retrying in {} ms: {}", folder, WRITE_RETRY_MILLIS[attempt],
            e.getMessage());
        try {
          Thread.sleep(WRITE_RETRY_MILLIS[attempt]);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void compactIfDue() {
    long size = log.end();
    if (size < options.compactMinBytes() || size < 2 * compactedSize
        || (compaction != null && compaction.isAlive())) {
      return;
    }
    compaction = new Thread(() -> {
      try {
        new Compactor(this, lock).run();
      } catch (RuntimeException e) {
        LOG_.warn("compacting the data log in {} failed; it is retried once the log doubles again: {}", folder,
            e.getMessage());
      }
    }, "deduce-cozo-compact");
    compactedSize = size;
    compaction.setDaemon(true);
    compaction.start();
  }

  /** Waits for a running background compaction to end. */
  void awaitCompaction() throws InterruptedException {
    Thread t;
    synchronized (lock) {
      t = compaction;
    }
    if (t != null) {
      t.join();
    }
  }

  Path folder() {
    return folder;
  }

  boolean closed() {
    return closed;
  }

  String logName() {
    return logName;
  }

  long logEnd() {
    return log.end();
  }

  ObjectNode exportRelations() {
    return db.export(options.relations());
  }

  /**
   * Moves to the compacted log {@code name}, which ends at {@code end}, and to {@code requests}, the request rows
   * with their offsets in it; the snapshot naming it is on disk already.
   */
  void switchLog(String name, long end, JsonNode requests) {
    Log next = Log.open(folder.resolve(name), end, new ArrayList<>());
    log.close();
    log = next;
    logName = name;
    db.importData(CozoDb.JSON.createObjectNode().set("deduce_request", requests));
    rowsEpoch++;
    unsnapshotted = 0;
    compactedSize = end;
  }

  /** Throws memory away and loads the snapshot and log from disk again. */
  void reload() {
    rebuild();
  }

  // the name after data.log, data-1.log, ...
  static String nextLogName(String current) {
    Matcher m = LOG_NAME.matcher(current);
    long n = m.matches() && m.group(1) != null ? Long.parseLong(m.group(1)) : 0;
    return "data-" + (n + 1) + ".log";
  }

  // what a compaction that did not reach its switch leaves: a log no snapshot names
  private void deleteStrayLogs() {
    try (var files = java.nio.file.Files.list(folder)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (LOG_NAME.matcher(name).matches() && !name.equals(logName)) {
          java.nio.file.Files.deleteIfExists(f);
        }
      }
    } catch (java.io.IOException e) {
      LOG_.warn("cannot delete unfinished compacted logs in {}: {}", folder, e.getMessage());
    }
  }

  /**
   * Runs a mutation that is derived state, never journalled or snapshotted (the index status): lost on a crash or a
   * rebuild, and made again by whoever keeps it.
   */
  CozoDb.Rows runVolatile(String script, Map<String, Object> params) {
    try {
      return db.run(script, params, false);
    } catch (CozoPanicException e) {
      rebuild();
      throw new StoreException(e.getMessage() + "; the engine was rebuilt from the last durable state", e);
    }
  }

  /** A new write group on the data log. */
  Log.Group group() {
    return log.group();
  }

  /** The tensor blob at {@code offset} of the data log. */
  byte[] blob(long offset) {
    return log.blob(offset);
  }

  /** How many times the engine was built from disk; derived state must be made again when it changes. */
  int generation() {
    return generation;
  }

  /** Changes whenever the rows change other than by a write through this store: a rebuild, a compaction. */
  int rowsEpoch() {
    return rowsEpoch;
  }

  /** Commit records the last open replayed after its snapshot. */
  int replayedAtOpen() {
    return replayedAtOpen;
  }

  /** Writes a snapshot of the relations now, covering the whole log. */
  void snapshot() {
    ObjectNode data = CozoDb.JSON.createObjectNode();
    data.put("log_end", log.end());
    data.put("log", logName);
    data.set("relations", db.export(options.relations()));
    lastSnapshotBytes = Snapshots.write(folder.resolve(SNAPSHOT), data);
    unsnapshotted = 0;
  }

  @Override
  public void close() {
    try {
      closed = true;
      if (unsnapshotted > 0) {
        snapshot();
      }
    } finally {
      log.close();
      db.close();
    }
  }

  private void rebuild() {
    log.close();
    db.close();
    load();
  }

  private void load() {
    generation++;
    rowsEpoch++;
    db = new CozoDb(engines.get());
    log = null;
    try {
      db.run(CozoScripts.REQUEST_SCHEMA, Map.of(), false);
      if (options.embeddingOutput() != null) {
        db.run(CozoScripts.vectorSchema(options.embeddingDim()), Map.of(), false);
        db.run(CozoScripts.indexedSchema(options.embeddingDim()), Map.of(), false);
        db.run(CozoScripts.hnsw(options.embeddingDim(), options.embeddingDistance()), Map.of(), false);
        db.run(CozoScripts.INDEX_STATUS_SCHEMA, Map.of(), false);
      }
      long snapshotEnd = restoreSnapshot();
      List<String> records = new ArrayList<>();
      log = Log.open(folder.resolve(logName), snapshotEnd, records);
      unsnapshotted = 0;
      for (String record : records) {
        replay(record);
      }
      replayedAtOpen = records.size();
      if (!records.isEmpty()) {
        // the next crash must not replay these again
        snapshot();
      }
    } catch (RuntimeException e) {
      db.close();
      if (log != null) {
        log.close();
      }
      throw e instanceof StoreException ? e : new StoreException("cannot open Cozo store " + folder + ": "
          + e.getMessage(), e);
    }
  }

  // loads the snapshot, if any; returns the log offset it covers
  private long restoreSnapshot() {
    JsonNode snap = Snapshots.read(folder.resolve(SNAPSHOT));
    if (snap == null) {
      logName = LOG;
      return 0;
    }
    logName = snap.path("log").asText(LOG);
    try {
      lastSnapshotBytes = java.nio.file.Files.size(folder.resolve(SNAPSHOT));
    } catch (java.io.IOException e) {
      throw new StoreException("cannot read the size of snapshot " + folder.resolve(SNAPSHOT) + ": "
          + e.getMessage(), e);
    }
    if (!LOG_NAME.matcher(logName).matches()) {
      throw new StoreException("snapshot in " + folder + " names data log '" + logName + "'; expected data.log or "
          + "data-<n>.log");
    }
    JsonNode relations = snap.path("relations");
    if (relations.get("deduce_request") == null || !snap.path("log_end").canConvertToLong()) {
      throw new StoreException("snapshot in " + folder + " has no log_end or no deduce_request relation; "
          + "expected one written by this store");
    }
    ObjectNode load = CozoDb.JSON.createObjectNode();
    for (String name : options.relations()) {
      // stores written before the index moved to the background kept the vectors in deduce_embedding
      JsonNode rel = relations.has(name) ? relations.get(name)
          : name.equals("deduce_vector") ? relations.get("deduce_embedding") : null;
      if (rel != null) {
        load.set(name, rel);
      }
    }
    // plain relations only, which import fast; the HNSW index is filled in the background (EmbeddingIndex)
    db.importData(load);
    return snap.get("log_end").asLong();
  }

  private void replay(String record) {
    JsonNode r;
    try {
      r = CozoDb.JSON.readTree(record);
    } catch (java.io.IOException e) {
      throw new StoreException("commit record in " + folder + " is not JSON: " + e.getMessage(), e);
    }
    JsonNode params = r.get("params");
    String op = r.path("op").asText();
    if (params != null && params.has("embeddings") && options.embeddingOutput() == null) {
      ((ObjectNode) params).remove("embeddings");
    }
    String script = CozoScripts.forOp(op, params != null && params.has("embeddings"));
    if (script == null) {
      throw new StoreException("commit record in " + folder + " has unknown op '" + op
          + "'; expected append, complete, update or insert");
    }
    db.runJson(script, CozoDb.write(params));
    unsnapshotted += record.length();
  }
}
