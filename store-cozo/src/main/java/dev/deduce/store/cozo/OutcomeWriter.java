package dev.deduce.store.cozo;

import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Writes one batch of outcomes, first outcome wins, with the cheapest script that is right for it: Cozo plans each
 * rule afresh per call, so the general two-rule COMPLETE costs about three times a one-rule update or insert. The
 * store's set of PENDING ids (kept under its lock, as exact as Cozo's own state) chooses; an insert Cozo refuses
 * because a request is stored after all falls back to COMPLETE.
 */
final class OutcomeWriter {

  private final DurableCozo cozo;
  private final CozoStoreOptions options;
  private final Set<String> pendingIds;

  OutcomeWriter(DurableCozo cozo, CozoStoreOptions options, Set<String> pendingIds) {
    this.cozo = cozo;
    this.options = options;
    this.pendingIds = pendingIds;
  }

  /** Writes {@code done}; call with the store's lock held. */
  void write(PreparedOutcomes done, LongSupplier seq) {
    Map<String, ResultRecord> results = done.results();
    List<byte[]> outputs = done.outputs();
    List<List<Object>> embeddings = done.embeddings();
    long known = results.keySet().stream().filter(pendingIds::contains).count();
    String op = known == results.size() ? "update" : known == 0 ? "insert" : "complete";
    if (op.equals("complete") || !cheapCommit(op, results, outputs, embeddings, seq)) {
      commit("complete", results, outputs, embeddings, seq);
    }
    pendingIds.removeAll(results.keySet());
  }

  /**
   * Inserts {@code requests}, none of which the store knows as PENDING, each with its outcome in {@code done} if it
   * has one, in one journal commit; false when Cozo refuses because one is stored after all, and then nothing was
   * applied or written. Call with the store's lock held.
   */
  boolean insertWith(Map<String, RequestRecord> requests, Map<String, byte[]> inputs, PreparedOutcomes done,
      LongSupplier seq) {
    Map<String, byte[]> outputs = new HashMap<>();
    int i = 0;
    for (String id : done.results().keySet()) {
      outputs.put(id, done.outputs().get(i++));
    }
    Log.Group group = cozo.group();
    List<List<Object>> rows = new ArrayList<>(requests.size());
    for (RequestRecord r : requests.values()) {
      ResultRecord outcome = done.results().get(r.requestId());
      rows.add(RecordRows.row(r, seq.getAsLong(), outcome, blob(group, inputs.get(r.requestId())),
          outcome == null ? null : blob(group, outputs.get(r.requestId()))));
    }
    if (rows.isEmpty()) {
      return true;
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("rows", rows);
    if (!done.embeddings().isEmpty()) {
      params.put("embeddings", done.embeddings());
    }
    try {
      cozo.commit(group, "insert", CozoScripts.forOp("insert", !done.embeddings().isEmpty()), params);
    } catch (CozoException storedAfterAll) {
      return false;
    }
    for (String id : requests.keySet()) {
      if (!done.results().containsKey(id)) {
        pendingIds.add(id);
      }
    }
    return true;
  }

  private boolean cheapCommit(String op, Map<String, ResultRecord> results, List<byte[]> outputs,
      List<List<Object>> embeddings, LongSupplier seq) {
    try {
      commit(op, results, outputs, embeddings, seq);
      return true;
    } catch (CozoException storedAfterAll) {
      return false; // nothing was applied or written: the general script decides per request
    }
  }

  private void commit(String op, Map<String, ResultRecord> results, List<byte[]> outputs,
      List<List<Object>> embeddings, LongSupplier seq) {
    Log.Group group = cozo.group();
    List<List<Object>> rows = new ArrayList<>();
    int i = 0;
    for (ResultRecord r : results.values()) {
      Long outputsAt = blob(group, outputs.get(i++));
      if (op.equals("update")) {
        List<Object> full = RecordRows.row(r.request(), 0, r, null, outputsAt);
        rows.add(RecordRows.outcome(full));
        continue;
      }
      // a PENDING request keeps the inputs it was appended with; any other brings them along in case it is new
      Long inputsAt = pendingIds.contains(r.requestId()) ? null
          : blob(group, RecordChecks.encode(options, r.requestId(), "inputs", r.request().inputs()));
      rows.add(RecordRows.row(r.request(), seq.getAsLong(), r, inputsAt, outputsAt));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("rows", rows);
    if (!embeddings.isEmpty()) {
      params.put("embeddings", embeddings);
    }
    cozo.commit(group, op, CozoScripts.forOp(op, !embeddings.isEmpty()), params);
  }

  private static Long blob(Log.Group group, byte[] encoded) {
    return encoded == null ? null : group.blob(encoded);
  }
}
