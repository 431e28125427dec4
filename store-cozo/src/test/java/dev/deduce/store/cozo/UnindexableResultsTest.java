package dev.deduce.store.cozo;

import static dev.deduce.store.cozo.Fixtures.done;
import static dev.deduce.store.cozo.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.Tensor;
import dev.deduce.spi.Neighbour;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoredRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results the store cannot keep as they are (a vector it cannot index, outputs over the record limit) are stored
 * anyway, so nothing stays PENDING to be re-run and refused again at every start.
 */
class UnindexableResultsTest {

  @TempDir
  Path dir;

  private Store open(Map<String, String> more) {
    Map<String, String> options = new java.util.HashMap<>(Map.of("embedding.output", "emb", "embedding.dim", "3"));
    options.putAll(more);
    return new CozoStoreProvider().open(new StoreConfig(dir, options));
  }

  @Test
  void aVectorWithNanOrTheWrongSizeIsSkippedAndCountedWhileItsResultIsStoredDone() throws Exception {
    try (Store store = open(Map.of())) {
      store.append(List.of(request("nan", 1), request("inf", 2), request("short", 3), request("ok", 4)));
      store.complete(List.of(done(request("nan", 1), Float.NaN, 0, 0),
          done(request("inf", 2), 0, Float.POSITIVE_INFINITY, 0), done(request("short", 3), 1, 0),
          done(request("ok", 4), 1, 0, 0)));

      assertThat(store.pending()).as("nothing left to re-run at the next start").isEmpty();
      for (String id : List.of("nan", "inf", "short", "ok")) {
        assertThat(store.get(id).orElseThrow().status()).as(id).isEqualTo(RequestStatus.DONE);
      }
      assertThat(store.get("nan").orElseThrow().outputs().get("emb").toFloatArray()[0]).isNaN();
      assertThat(((CozoStore) store).skippedEmbeddings()).isEqualTo(3);
      CozoStoreTest.awaitIndexed(store);
      assertThat(store.vectorSearch().orElseThrow().nearest(new float[] {1, 0, 0}, 10))
          .extracting(Neighbour::requestId).containsExactly("ok");
    }
    try (Store reopened = open(Map.of())) {
      assertThat(reopened.pending()).as("still nothing PENDING after a restart").isEmpty();
    }
  }

  @Test
  void outputsOverTheRecordLimitAreStoredFailedWithTheLimitNamed() {
    try (Store store = open(Map.of("maxRecordBytes", "4096"))) {
      store.append(List.of(request("big", 1), request("small", 2)));
      ResultRecord big = ResultRecord.done(request("big", 1), "1",
          NamedTensors.of("emb", Tensor.ofFloats(new float[] {1, 0, 0}, 3), "blob",
              Tensor.ofFloats(new float[4096], 4096)), Fixtures.T0.plusSeconds(100), 1);
      store.complete(List.of(big, done(request("small", 2), 0, 1, 0)));

      assertThat(store.pending()).isEmpty();
      StoredRequest stored = store.get("big").orElseThrow();
      assertThat(stored.status()).isEqualTo(RequestStatus.FAILED);
      assertThat(stored.errorKind()).isEqualTo(ErrorKind.STORE);
      assertThat(stored.error()).contains("expected at most 4096", "maxRecordBytes");
      assertThat(store.get("small").orElseThrow().status()).isEqualTo(RequestStatus.DONE);
    }
  }
}
