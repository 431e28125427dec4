package dev.deduce.store.cozo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.api.Tensor;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.Neighbour;
import dev.deduce.spi.Page;
import dev.deduce.spi.PageCursor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.TensorCodec;
import dev.deduce.spi.VectorSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Deduce's records in CozoDB relations. The engine keeps data in memory, so every committed mutation also goes to a
 * fsynced journal, compacted now and then into a snapshot; opening loads the snapshot and replays the journal. All
 * access is serialised: one engine instance is not thread-safe.
 */
final class CozoStore implements Store, NativeQuery, VectorSearch {

  static final String SNAPSHOT = "snapshot.json";
  static final String LOG = "data.log";

  // one relation holds a request and its outcome: every read is a single-key lookup, and no outcome is ever
  // separated from its request. Tensors stay in the data log; the relation holds their offsets (null: none).
  private static final String REQUEST_SCHEMA = ":create deduce_request {id: String => model: String, "
      + "version: String, sub_s: Int, sub_n: Int, deadline: String, idem: String?, seq: Int, status: String, "
      + "run_version: String, error_kind: String?, error: String?, completed: String?, attempts: Int, "
      + "inputs_at: Int?, outputs_at: Int?}";

  // Cozo parses every script afresh, in a parser function too large for the JVM that Chicory interprets: parsing
  // costs about 10 us per byte, more than the work itself. So the scripts are short and constant: positional atoms
  // over one-letter variables, a to p in schema order, and every value a parameter.
  private static final String V = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p";
  private static final String SPEC = "{id=a=>model=b,version=c,sub_s=d,sub_n=e,deadline=f,idem=g,seq=h,status=i,"
      + "run_version=j,error_kind=k,error=l,completed=m,attempts=n,inputs_at=o,outputs_at=p}";
  private static final String ROW = "*deduce_request[" + V + "]";

  // Cozo returns the rows it inserted: ids already stored are left as they were
  private static final String APPEND = "r[" + V + "]<-$rows ?[" + V + "]:=r[" + V + "],not *deduce_request{id:a}"
      + " :put deduce_request" + SPEC + " :returning";

  // first outcome wins: an unseen request is inserted whole, a PENDING one takes the outcome (keeping its request
  // columns), any other is left. Status tests are filters, never constants in an atom: Cozo (::explain) turns a
  // constant there into a join that scans the whole relation.
  private static final String COMPLETE = "{r[" + V + "]<-$rows ?[" + V + "]:=r[" + V + "],not *deduce_request{id:a}"
      + " ?[" + V + "]:=r[a,_,_,_,_,_,_,_,i,j,k,l,m,n,_,p],*deduce_request[a,b,c,d,e,f,g,h,s,_,_,_,_,_,o,_],"
      + "s=='PENDING'"
      + " :put deduce_request" + SPEC + "}";
  private static final String EMBED = "{r[a,v]<-$embeddings ?[a,v]:=r[a,v],not *deduce_request{id:a}"
      + " ?[a,v]:=r[a,v],*deduce_request{id:a,status:s},s=='PENDING' :put deduce_embedding{id=a=>vec=v}}";

  private static final String GET = "?[" + V + "]:=a=$id," + ROW;
  private static final String PENDING = "?[" + V + "]:=" + ROW + ",i=='PENDING' :order d,e,h";
  private static final String NEAREST = "?[id, dist] := ~deduce_embedding:nearest{id | query: vec($q), k: $k, "
      + "ef: $ef, bind_distance: dist}\n:order dist, id";
  private static final int MAX_K = 10_000;

  private final Path folder;
  private final Supplier<CozoRunner> engines;
  private final CozoStoreOptions options;
  private final Object lock = new Object();
  private CozoDb db;
  private Log log;
  // log offset the last snapshot covers, and commit bytes written since: replay work on the next open
  private long snapshotEnd;
  private long unsnapshotted;
  private long nextSeq;
  // ids known to be PENDING: completing one of them needs no copy of its inputs in the log
  private final Set<String> pendingIds = new HashSet<>();
  private boolean closed;

  CozoStore(Path folder, CozoStoreOptions options, Supplier<CozoRunner> engines) {
    this.folder = folder;
    this.options = options;
    this.engines = engines;
    try {
      Files.createDirectories(folder);
    } catch (java.io.IOException e) {
      throw new StoreException("cannot create store folder " + folder + ": " + e.getMessage(), e);
    }
    if (!Files.isDirectory(folder)) {
      throw new StoreException("store location " + folder + " is not a folder; expected a folder for the "
          + "snapshot and journal");
    }
    load();
  }

  @Override
  public void append(List<RequestRecord> requests) {
    if (requests == null) {
      throw new IllegalArgumentException("requests is null; expected a list of requests");
    }
    Map<String, RequestRecord> first = new LinkedHashMap<>();
    for (RequestRecord r : requests) {
      if (r == null) {
        throw new IllegalArgumentException("requests holds a null; expected only request records");
      }
      first.putIfAbsent(r.requestId(), r);
    }
    // encoded before the lock, and all of them before anything is written: a bad record writes nothing
    Map<String, byte[]> inputs = new HashMap<>();
    for (RequestRecord r : first.values()) {
      inputs.put(r.requestId(), encode(r.requestId(), "inputs", r.inputs()));
    }
    synchronized (lock) {
      checkOpen();
      Log.Group group = log.group();
      List<List<Object>> rows = new ArrayList<>();
      for (RequestRecord r : first.values()) {
        if (!pendingIds.contains(r.requestId())) {
          rows.add(row(r, nextSeq++, null, blob(group, inputs.get(r.requestId())), null));
        }
      }
      if (rows.isEmpty()) {
        return;
      }
      // Cozo reports the rows it inserted: ids already stored are left as they were
      for (JsonNode put : commit(group, "append", APPEND, Map.of("rows", rows)).rows()) {
        if ("inserted".equals(put.get(0).asText())) {
          pendingIds.add(put.get(1).asText());
        }
      }
    }
  }

  @Override
  public void complete(List<ResultRecord> results) {
    if (results == null) {
      throw new IllegalArgumentException("results is null; expected a list of results");
    }
    Map<String, ResultRecord> first = new LinkedHashMap<>();
    for (ResultRecord r : results) {
      if (r == null) {
        throw new IllegalArgumentException("results holds a null; expected only result records");
      }
      first.putIfAbsent(r.requestId(), r);
    }
    if (first.isEmpty()) {
      return;
    }
    List<List<Object>> embeddings = new ArrayList<>();
    List<byte[]> outputs = new ArrayList<>();
    for (ResultRecord r : first.values()) {
      float[] e = embedding(r);
      if (e != null) {
        List<Object> v = new ArrayList<>(e.length);
        for (float f : e) {
          v.add(f);
        }
        embeddings.add(List.of(r.requestId(), v));
      }
      outputs.add(encode(r.requestId(), "outputs", r.outputs()));
    }
    synchronized (lock) {
      checkOpen();
      Log.Group group = log.group();
      List<List<Object>> rows = new ArrayList<>();
      int i = 0;
      for (ResultRecord r : first.values()) {
        // a PENDING request keeps the inputs it was appended with; any other brings them along in case it is new
        Long inputsAt = pendingIds.contains(r.requestId()) ? null
            : blob(group, encode(r.requestId(), "inputs", r.request().inputs()));
        rows.add(row(r.request(), nextSeq++, r, inputsAt, blob(group, outputs.get(i++))));
      }
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("rows", rows);
      if (!embeddings.isEmpty()) {
        params.put("embeddings", embeddings);
      }
      commit(group, "complete", completeScript(!embeddings.isEmpty()), params);
      pendingIds.removeAll(first.keySet());
    }
  }

  @Override
  public Optional<StoredRequest> get(String requestId) {
    if (requestId == null) {
      throw new IllegalArgumentException("request id is null; expected the id given at submit");
    }
    synchronized (lock) {
      checkOpen();
      List<JsonNode> rows = read(GET, Map.of("id", requestId)).rows();
      return rows.isEmpty() ? Optional.empty() : Optional.of(stored(rows.get(0)));
    }
  }

  @Override
  public List<RequestRecord> pending() {
    synchronized (lock) {
      checkOpen();
      List<RequestRecord> out = new ArrayList<>();
      for (JsonNode row : read(PENDING, Map.of()).rows()) {
        out.add(request(row));
      }
      return out;
    }
  }

  @Override
  public Page<StoredRequest> history(HistoryQuery q) {
    if (q == null) {
      throw new IllegalArgumentException("history query is null; expected e.g. HistoryQuery.all()");
    }
    Map<String, Object> params = new LinkedHashMap<>();
    StringBuilder script = new StringBuilder("?[" + V + "]:=" + ROW);
    // only fixed text is appended; every value the caller gave travels as a parameter
    if (q.model() != null) {
      script.append(",b==$model");
      params.put("model", q.model());
    }
    if (q.version() != null) {
      script.append(",c==$version");
      params.put("version", q.version());
    }
    if (q.status() != null) {
      script.append(",i==$status");
      params.put("status", q.status().name());
    }
    if (q.from() != null) {
      script.append(",(d>$from_s||(d==$from_s&&e>=$from_n))");
      params.put("from_s", q.from().getEpochSecond());
      params.put("from_n", q.from().getNano());
    }
    if (q.to() != null) {
      script.append(",(d<$to_s||(d==$to_s&&e<$to_n))");
      params.put("to_s", q.to().getEpochSecond());
      params.put("to_n", q.to().getNano());
    }
    Optional<PageCursor> after = PageCursor.from(q);
    if (after.isPresent()) {
      // keyset after (submitted, id), newest first: Cozo compares strings in UTF-8 byte order, as PageCursor does
      script.append(",(d<$t_s||(d==$t_s&&(e<$t_n||(e==$t_n&&a<$t_id))))");
      params.put("t_s", after.get().submittedAt().getEpochSecond());
      params.put("t_n", after.get().submittedAt().getNano());
      params.put("t_id", after.get().requestId());
    }
    script.append(" :order -d,-e,-a :limit $limit");
    params.put("limit", q.pageSize() + 1);
    synchronized (lock) {
      checkOpen();
      List<JsonNode> rows = read(script.toString(), params).rows();
      List<StoredRequest> fetched = new ArrayList<>();
      for (JsonNode row : rows) {
        fetched.add(stored(row));
      }
      return PageCursor.page(q, fetched);
    }
  }

  @Override
  public Optional<NativeQuery> nativeQuery() {
    return Optional.of(this);
  }

  @Override
  public String language() {
    return "datalog";
  }

  /** Present when the store option {@code embedding.output} names the output to index. */
  @Override
  public Optional<VectorSearch> vectorSearch() {
    return options.embeddingOutput() == null ? Optional.empty() : Optional.of(this);
  }

  /**
   * Runs CozoScript over {@code deduce_request} (and {@code deduce_embedding}) with Cozo's immutable flag, so Cozo
   * itself rejects any write ({@code :put}, {@code :rm}, {@code ::remove} and the rest) instead of this store
   * guessing from the text.
   */
  @Override
  public List<Map<String, Object>> query(String text, Map<String, Object> params) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("query text is empty; expected a CozoScript query such as "
          + "?[id] := *deduce_request{id}");
    }
    Map<String, Object> p = params == null ? Map.of() : params;
    synchronized (lock) {
      checkOpen();
      CozoDb.Rows rows = read(text, p);
      List<Map<String, Object>> out = new ArrayList<>();
      for (JsonNode row : rows.rows()) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < rows.headers().size(); i++) {
          m.put(rows.headers().get(i), CozoDb.JSON.convertValue(row.get(i), Object.class));
        }
        out.add(m);
      }
      return out;
    }
  }

  @Override
  public List<Neighbour> nearest(float[] vector, int k) {
    if (options.embeddingOutput() == null) {
      throw new UnsupportedOperationException("vector search is off: set the store option "
          + CozoStoreOptions.EMBEDDING_OUTPUT + " (and " + CozoStoreOptions.EMBEDDING_DIM + ")");
    }
    if (vector == null || vector.length != options.embeddingDim()) {
      throw new IllegalArgumentException("query vector has " + (vector == null ? "no" : vector.length)
          + " elements; expected " + options.embeddingDim());
    }
    if (k < 1 || k > MAX_K) {
      throw new IllegalArgumentException("k is " + k + "; expected 1 to " + MAX_K);
    }
    List<Object> q = new ArrayList<>(vector.length);
    for (float f : vector) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException("query vector holds " + f + "; expected finite numbers");
      }
      q.add(f);
    }
    synchronized (lock) {
      checkOpen();
      List<Neighbour> out = new ArrayList<>();
      for (JsonNode row : read(NEAREST, Map.of("q", q, "k", k, "ef", Math.max(50, k))).rows()) {
        out.add(new Neighbour(row.get(0).asText(), row.get(1).asDouble()));
      }
      return out;
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (unsnapshotted > 0) {
          snapshot();
        }
      } finally {
        log.close();
        db.close();
      }
    }
  }

  /** Writes a snapshot of the relations now, covering the whole log. */
  void snapshot() {
    ObjectNode data = CozoDb.JSON.createObjectNode();
    data.put("log_end", log.end());
    data.set("relations", db.export(options.relations()));
    Snapshots.write(folder.resolve(SNAPSHOT), data);
    snapshotEnd = log.end();
    unsnapshotted = 0;
  }

  private CozoDb.Rows commit(Log.Group group, String op, String script, Map<String, Object> params) {
    String json = CozoDb.write(params);
    CozoDb.Rows out = runGuarded(() -> db.runJson(script, json));
    // op is one of two fixed words; the parameters are spliced in as the JSON already written for Cozo
    String record = "{\"op\":\"" + op + "\",\"params\":" + json + "}";
    try {
      group.commit(record);
    } catch (RuntimeException e) {
      // memory now holds what the disk does not: go back to what is durable
      rebuild();
      throw e;
    }
    unsnapshotted += record.length();
    if (unsnapshotted >= options.snapshotJournalBytes()) {
      snapshot();
    }
    return out;
  }

  private CozoDb.Rows read(String script, Object params) {
    return runGuarded(() -> db.run(script, params, true));
  }

  private CozoDb.Rows runGuarded(Supplier<CozoDb.Rows> call) {
    try {
      return call.get();
    } catch (CozoPanicException e) {
      rebuild();
      throw new StoreException(e.getMessage() + "; the engine was rebuilt from the last durable state", e);
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
      db.run(REQUEST_SCHEMA, Map.of(), false);
      if (options.embeddingOutput() != null) {
        db.run(":create deduce_embedding {id: String => vec: <F32; " + options.embeddingDim() + ">}", Map.of(),
            false);
        db.run("::hnsw create deduce_embedding:nearest {dim: " + options.embeddingDim() + ", m: 16, dtype: F32, "
            + "fields: [vec], distance: " + options.embeddingDistance() + ", ef_construction: 50}", Map.of(), false);
      }
      snapshotEnd = restoreSnapshot();
      List<String> records = new ArrayList<>();
      log = Log.open(folder.resolve(LOG), snapshotEnd, records);
      unsnapshotted = 0;
      for (String record : records) {
        replay(record);
        unsnapshotted += record.length();
      }
      List<JsonNode> max = db.run("?[max(seq)] := *deduce_request{seq}", Map.of(), true).rows();
      nextSeq = max.isEmpty() || max.get(0).get(0).isNull() ? 0 : max.get(0).get(0).asLong() + 1;
      pendingIds.clear();
      for (JsonNode row : db.run("?[id] := *deduce_request{id, status}, status == 'PENDING'", Map.of(), true)
          .rows()) {
        pendingIds.add(row.get(0).asText());
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
    JsonNode requests = relations.get("deduce_request");
    if (requests == null || !snap.path("log_end").canConvertToLong()) {
      throw new StoreException("snapshot in " + folder + " has no log_end or no deduce_request relation; "
          + "expected one written by this store");
    }
    db.importData(CozoDb.JSON.createObjectNode().set("deduce_request", requests));
    JsonNode emb = relations.get("deduce_embedding");
    if (emb != null && options.embeddingOutput() != null && !emb.path("rows").isEmpty()) {
      // a :put, unlike import_relations, maintains the HNSW index
      db.run("?[id,vec]<-$embeddings :put deduce_embedding",
          Map.of("embeddings", emb.get("rows")), false);
    }
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
      script = APPEND;
    } else if ("complete".equals(op)) {
      boolean emb = params.has("embeddings");
      if (emb && options.embeddingOutput() == null) {
        ((ObjectNode) params).remove("embeddings");
        emb = false;
      }
      script = completeScript(emb);
    } else {
      throw new StoreException("commit record in " + folder + " has unknown op '" + op
          + "'; expected append or complete");
    }
    db.runJson(script, CozoDb.write(params));
  }

  private static String completeScript(boolean embeddings) {
    // the embedding block reads the state before this batch, so it runs first
    return (embeddings ? EMBED : "") + COMPLETE;
  }

  private float[] embedding(ResultRecord r) {
    String name = options.embeddingOutput();
    if (name == null || r.status() != RequestStatus.DONE || !r.outputs().contains(name)) {
      return null;
    }
    Tensor t = r.outputs().get(name);
    if (t.dtype() != dev.deduce.api.DataType.FLOAT32 || t.elementCount() != options.embeddingDim()) {
      throw new IllegalArgumentException("output '" + name + "' of request " + r.requestId() + " is "
          + t.dtype() + " with " + t.elementCount() + " elements; expected FLOAT32 with "
          + options.embeddingDim() + " (store option " + CozoStoreOptions.EMBEDDING_DIM + ")");
    }
    float[] v = t.toFloatArray();
    for (float f : v) {
      if (!Float.isFinite(f)) {
        throw new IllegalArgumentException("output '" + name + "' of request " + r.requestId() + " holds " + f
            + "; expected finite numbers to index");
      }
    }
    return v;
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("Cozo store " + folder + " is closed");
    }
  }

  private byte[] encode(String id, String what, NamedTensors tensors) {
    if (tensors.isEmpty()) {
      return null;
    }
    byte[] b = TensorCodec.encode(tensors);
    if (b.length > options.maxRecordBytes()) {
      throw new IllegalArgumentException("the " + what + " of request " + id + " encode to " + b.length
          + " bytes; expected at most " + options.maxRecordBytes() + " (store option "
          + CozoStoreOptions.MAX_RECORD_BYTES + ")");
    }
    return b;
  }

  private static Long blob(Log.Group group, byte[] encoded) {
    return encoded == null ? null : group.blob(encoded);
  }

  private static List<Object> row(RequestRecord r, long seq, ResultRecord res, Long inputsAt, Long outputsAt) {
    List<Object> row = new ArrayList<>(16);
    row.add(r.requestId());
    row.add(r.model());
    row.add(r.version());
    row.add(r.submittedAt().getEpochSecond());
    row.add(r.submittedAt().getNano());
    row.add(r.deadline().toString());
    row.add(r.idempotencyKey());
    row.add(seq);
    if (res == null) {
      row.add(RequestStatus.PENDING.name());
      row.add(r.version());
      row.add(null);
      row.add(null);
      row.add(null);
      row.add(0);
    } else {
      row.add(res.status().name());
      row.add(res.version());
      row.add(res.errorKind() == null ? null : res.errorKind().name());
      row.add(res.error());
      row.add(res.completedAt().toString());
      row.add(res.attempts());
    }
    row.add(inputsAt);
    row.add(outputsAt);
    return row;
  }

  private RequestRecord request(JsonNode row) {
    return new RequestRecord(row.get(0).asText(), row.get(1).asText(), row.get(2).asText(), tensors(row.get(14)),
        Instant.ofEpochSecond(row.get(3).asLong(), row.get(4).asLong()), Instant.parse(row.get(5).asText()),
        row.get(6).isNull() ? null : row.get(6).asText());
  }

  private StoredRequest stored(JsonNode row) {
    RequestRecord req = request(row);
    RequestStatus status = RequestStatus.valueOf(row.get(8).asText());
    if (status == RequestStatus.PENDING) {
      return StoredRequest.pending(req);
    }
    return new StoredRequest(req, status, row.get(9).asText(), tensors(row.get(15)),
        row.get(10).isNull() ? null : ErrorKind.valueOf(row.get(10).asText()),
        row.get(11).isNull() ? null : row.get(11).asText(),
        row.get(12).isNull() ? null : Instant.parse(row.get(12).asText()), row.get(13).asInt());
  }

  private NamedTensors tensors(JsonNode offset) {
    return offset.isNull() ? NamedTensors.empty() : TensorCodec.decode(log.blob(offset.asLong()));
  }
}
