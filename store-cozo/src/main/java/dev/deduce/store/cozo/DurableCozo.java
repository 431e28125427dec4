package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.api.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One in-memory Cozo instance made durable: every mutation it accepts is appended to the data log and forced to
 * disk before the caller hears of it, and the relations are snapshotted so that opening replays a bounded journal.
 * Not thread-safe: the store serialises every call.
 *
 * <p>A snapshot is written when the commits since the last one pass {@code snapshot.journalBytes}, when the oldest
 * of them is {@code snapshot.seconds} old (checked at each commit), right after an open that replayed anything, and
 * on close. So however many times the process is killed, an open replays at most what one run wrote within those
 * two bounds.
 */
final class DurableCozo implements AutoCloseable {

  static final String SNAPSHOT = "snapshot.json";
  static final String LOG = "data.log";

  private final Path folder;
  private final Supplier<CozoRunner> engines;
  private final CozoStoreOptions options;
  private CozoDb db;
  private Log log;
  // commit bytes since the last snapshot, and when the first of them was written: replay work on the next open
  private long unsnapshotted;
  private long firstUnsnapshottedNanos;
  private int replayedAtOpen;

  DurableCozo(Path folder, CozoStoreOptions options, Supplier<CozoRunner> engines) {
    this.folder = folder;
    this.options = options;
    this.engines = engines;
    load();
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
    CozoDb.Rows out;
    try {
      out = db.runJson(script, json);
    } catch (CozoPanicException e) {
      rebuild();
      throw new StoreException(e.getMessage() + "; the engine was rebuilt from the last durable state", e);
    }
    // op is one of two fixed words; the parameters are spliced in as the JSON already written for Cozo
    String record = "{\"op\":\"" + op + "\",\"params\":" + json + "}";
    try {
      group.commit(record);
    } catch (RuntimeException e) {
      // memory now holds what the disk does not: go back to what is durable
      rebuild();
      throw e;
    }
    if (unsnapshotted == 0) {
      firstUnsnapshottedNanos = System.nanoTime();
    }
    unsnapshotted += record.length();
    if (unsnapshotted >= options.snapshotJournalBytes()
        || System.nanoTime() - firstUnsnapshottedNanos >= options.snapshotSeconds() * 1_000_000_000L) {
      snapshot();
    }
    return out;
  }

  /**
   * Runs a mutation that is derived state, never journalled or snapshotted (the index status): lost on a crash or a
   * rebuild, and made again by whoever keeps it.
   */
  void runVolatile(String script, Map<String, Object> params) {
    try {
      db.run(script, params, false);
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

  /** Commit records the last open replayed after its snapshot. */
  int replayedAtOpen() {
    return replayedAtOpen;
  }

  /** Writes a snapshot of the relations now, covering the whole log. */
  void snapshot() {
    ObjectNode data = CozoDb.JSON.createObjectNode();
    data.put("log_end", log.end());
    data.set("relations", db.export(options.relations()));
    Snapshots.write(folder.resolve(SNAPSHOT), data);
    unsnapshotted = 0;
  }

  @Override
  public void close() {
    try {
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
    db = new CozoDb(engines.get());
    log = null;
    try {
      db.run(CozoScripts.REQUEST_SCHEMA, Map.of(), false);
      if (options.embeddingOutput() != null) {
        db.run(CozoScripts.embeddingSchema(options.embeddingDim()), Map.of(), false);
        db.run(CozoScripts.INDEX_STATUS_SCHEMA, Map.of(), false);
      }
      long snapshotEnd = restoreSnapshot();
      List<String> records = new ArrayList<>();
      log = Log.open(folder.resolve(LOG), snapshotEnd, records);
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
      return 0;
    }
    JsonNode relations = snap.path("relations");
    if (relations.get("deduce_request") == null || !snap.path("log_end").canConvertToLong()) {
      throw new StoreException("snapshot in " + folder + " has no log_end or no deduce_request relation; "
          + "expected one written by this store");
    }
    ObjectNode load = CozoDb.JSON.createObjectNode();
    for (String name : options.relations()) {
      JsonNode rel = relations.get(name);
      if (rel != null) {
        load.set(name, rel);
      }
    }
    // the vector index lives elsewhere (EmbeddingIndex): importing plain relations is fast
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
    String script;
    if ("append".equals(op)) {
      script = CozoScripts.APPEND;
    } else if ("complete".equals(op)) {
      boolean emb = params.has("embeddings");
      if (emb && options.embeddingOutput() == null) {
        ((ObjectNode) params).remove("embeddings");
        emb = false;
      }
      script = CozoScripts.completeScript(emb);
    } else {
      throw new StoreException("commit record in " + folder + " has unknown op '" + op
          + "'; expected append or complete");
    }
    db.runJson(script, CozoDb.write(params));
    unsnapshotted += record.length();
  }
}
