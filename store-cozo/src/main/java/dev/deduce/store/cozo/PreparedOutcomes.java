package dev.deduce.store.cozo;

import dev.deduce.api.ErrorKind;
import dev.deduce.spi.ResultRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A batch of outcomes made ready before the store's lock is taken: the first outcome per request, their outputs
 * encoded in the same order (null: none), and the embeddings to store with them.
 */
record PreparedOutcomes(Map<String, ResultRecord> results, List<byte[]> outputs, List<List<Object>> embeddings,
    List<String> embedded) {

  /** Checks and encodes {@code results}; an embedding that cannot be indexed is skipped and {@code skipped} hears why. */
  static PreparedOutcomes of(CozoStoreOptions options, List<ResultRecord> results, Consumer<String> skipped) {
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
    List<List<Object>> embeddings = new ArrayList<>();
    List<String> embedded = new ArrayList<>();
    List<byte[]> outputs = new ArrayList<>();
    for (Map.Entry<String, ResultRecord> entry : first.entrySet()) {
      ResultRecord r = entry.getValue();
      byte[] encoded;
      try {
        encoded = RecordChecks.encode(options, r.requestId(), "outputs", r.outputs());
      } catch (IllegalArgumentException tooLarge) {
        // stored FAILED with the reason: refusing the record would leave it PENDING, to be re-run at every start
        r = ResultRecord.failed(r.request(), r.version(), ErrorKind.STORE, tooLarge.getMessage(), r.completedAt(),
            r.attempts());
        entry.setValue(r);
        encoded = null;
      }
      float[] e = RecordChecks.embedding(options, r, skipped);
      if (e != null) {
        List<Object> v = new ArrayList<>(e.length);
        for (float f : e) {
          v.add(f);
        }
        embeddings.add(List.of(r.requestId(), v));
        embedded.add(r.requestId());
      }
      outputs.add(encoded);
    }
    return new PreparedOutcomes(first, outputs, embeddings, embedded);
  }

  boolean isEmpty() {
    return results.isEmpty();
  }
}
