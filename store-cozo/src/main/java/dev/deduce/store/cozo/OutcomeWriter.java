package dev.deduce.store.cozo;

import dev.deduce.spi.ResultRecord;
import java.util.ArrayList;
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

  /** Writes {@code results} (outputs encoded in the same order, null: none); call with the store's lock held. */
  void write(Map<String, ResultRecord> results, List<byte[]> outputs, List<List<Object>> embeddings,
      LongSupplier seq) {
    long known = results.keySet().stream().filter(pendingIds::contains).count();
    String op = known == results.size() ? "update" : known == 0 ? "insert" : "complete";
    if (op.equals("complete") || !cheapCommit(op, results, outputs, embeddings, seq)) {
      commit("complete", results, outputs, embeddings, seq);
    }
    pendingIds.removeAll(results.keySet());
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
