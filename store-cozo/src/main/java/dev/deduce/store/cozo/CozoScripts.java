package dev.deduce.store.cozo;

import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.PageCursor;
import java.util.Map;
import java.util.Optional;

/**
 * The CozoScript the store runs. Every value travels as a parameter; only this fixed text is ever parsed, and each
 * store call is one script, so a write batch from the group-commit writer costs one parse and one transaction.
 */
final class CozoScripts {

  // one relation holds a request and its outcome: every read is a single-key lookup, and no outcome is ever
  // separated from its request. Tensors stay in the data log; the relation holds their offsets (null: none).
  static final String REQUEST_SCHEMA = ":create deduce_request {id: String => model: String, "
      + "version: String, sub_s: Int, sub_n: Int, deadline: String, idem: String?, seq: Int, status: String, "
      + "run_version: String, error_kind: String?, error: String?, completed: String?, attempts: Int, "
      + "inputs_at: Int?, outputs_at: Int?}";

  // Cozo parses every script afresh, which costs more than the work itself on Chicory: the scripts are short and
  // constant, positional atoms over one-letter variables, a to p in schema order, and every value a parameter.
  static final String V = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p";
  private static final String SPEC = "{id=a=>model=b,version=c,sub_s=d,sub_n=e,deadline=f,idem=g,seq=h,status=i,"
      + "run_version=j,error_kind=k,error=l,completed=m,attempts=n,inputs_at=o,outputs_at=p}";
  static final String ROW = "*deduce_request[" + V + "]";

  // Cozo returns the rows it inserted: ids already stored are left as they were
  static final String APPEND = "r[" + V + "]<-$rows ?[" + V + "]:=r[" + V + "],not *deduce_request{id:a}"
      + " :put deduce_request" + SPEC + " :returning";

  // first outcome wins: an unseen request is inserted whole, a PENDING one takes the outcome (keeping its request
  // columns), any other is left. Status tests are filters, never constants in an atom: Cozo (::explain) turns a
  // constant there into a join that scans the whole relation.
  private static final String COMPLETE = "{r[" + V + "]<-$rows ?[" + V + "]:=r[" + V + "],not *deduce_request{id:a}"
      + " ?[" + V + "]:=r[a,_,_,_,_,_,_,_,i,j,k,l,m,n,_,p],*deduce_request[a,b,c,d,e,f,g,h,s,_,_,_,_,_,o,_],"
      + "s=='PENDING'"
      + " :put deduce_request" + SPEC + "}";
  // the same rule for embeddings; it reads the state before this batch's outcomes, so it runs first
  private static final String EMBED = "{r[a,v]<-$embeddings ?[a,v]:=r[a,v],not *deduce_request{id:a}"
      + " ?[a,v]:=r[a,v],*deduce_request{id:a,status:s},s=='PENDING' :put deduce_vector{id=a=>vec=v}}";

  // the cheap outcomes, one rule each (Cozo's cost is per rule, about 100-250 us, far more than per variable):
  // requests the store knows are PENDING take only the outcome columns; requests it has never seen are inserted
  // whole, and Cozo refuses the batch if one of them is stored after all (then COMPLETE decides)
  static final String OUTCOME_COLUMNS = "a,i,j,k,l,m,n,p";
  private static final String UPDATE = "{?[" + OUTCOME_COLUMNS + "]<-$rows :update deduce_request{id=a=>status=i,"
      + "run_version=j,error_kind=k,error=l,completed=m,attempts=n,outputs_at=p}}";
  private static final String INSERT = "{?[" + V + "]<-$rows :insert deduce_request" + SPEC + "}";
  private static final String PUT_EMBEDDINGS = "{?[a,v]<-$embeddings :put deduce_vector{id=a=>vec=v}}";

  static final String GET = "?[" + V + "]:=a=$id," + ROW;
  static final String PENDING = "?[" + V + "]:=" + ROW + ",i=='PENDING' :order d,e,h";
  static final String MAX_SEQ = "?[max(seq)] := *deduce_request{seq}";
  static final String PENDING_IDS = "?[id] := *deduce_request{id, status}, status == 'PENDING'";

  // derived, in memory only: what the background HNSW indexer has done and has left
  static final String INDEX_STATUS_SCHEMA = ":create deduce_index_status {k: String => indexed: Int, pending: Int}";
  static final String INDEX_STATUS = "?[k, indexed, pending] <- [['hnsw', $indexed, $pending]] "
      + ":put deduce_index_status {k => indexed, pending}";
  static final String VECTOR_IDS = "?[id] := *deduce_vector{id}";
  // the stored vectors of $ids into the indexed relation; Cozo returns the rows it put
  static final String INDEX_BATCH = "r[id] <- $ids ?[id, vec] := r[id], *deduce_vector{id, vec} "
      + ":put deduce_embedding {id => vec} :returning";
  static final String NEAREST = "?[id, dist] := ~deduce_embedding:nearest{id | query: vec($q), k: $k, "
      + "ef: $ef, bind_distance: dist}\n:order dist, id";

  private CozoScripts() {}

  /** The history query for {@code q}; its values go into {@code params}, only fixed text into the script. */
  static String history(HistoryQuery q, Map<String, Object> params) {
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
    return script.toString();
  }

  static String completeScript(boolean embeddings) {
    return (embeddings ? EMBED : "") + COMPLETE;
  }

  /** The script of journal op {@code op} (append, complete, update or insert), or null for an unknown op. */
  static String forOp(String op, boolean embeddings) {
    return switch (op) {
      case "append" -> APPEND;
      case "complete" -> completeScript(embeddings);
      // the request rows first: when Cozo refuses them, nothing of the chain is applied
      case "update" -> UPDATE + (embeddings ? PUT_EMBEDDINGS : "");
      case "insert" -> INSERT + (embeddings ? PUT_EMBEDDINGS : "");
      default -> null;
    };
  }

  /** Every stored embedding: durable (journalled, snapshotted). */
  static String vectorSchema(int dim) {
    return ":create deduce_vector {id: String => vec: <F32; " + dim + ">}";
  }

  /** The embeddings indexed so far, which carry the HNSW index: derived, rebuilt after an open. */
  static String indexedSchema(int dim) {
    return ":create deduce_embedding {id: String => vec: <F32; " + dim + ">}";
  }

  static String hnsw(int dim, String distance) {
    return "::hnsw create deduce_embedding:nearest {dim: " + dim + ", m: 16, dtype: F32, fields: [vec], distance: "
        + distance + ", ef_construction: 50}";
  }
}
