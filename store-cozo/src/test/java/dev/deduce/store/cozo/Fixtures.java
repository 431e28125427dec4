package dev.deduce.store.cozo;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import java.time.Instant;

final class Fixtures {

  static final Instant T0 = Instant.parse("2026-11-30T10:00:00.123456789Z");

  private Fixtures() {}

  static RequestRecord request(String id, int second) {
    return new RequestRecord(id, "mnist", "1", NamedTensors.of("x", Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3)),
        T0.plusSeconds(second), T0.plusSeconds(second + 60), "key-" + id);
  }

  static ResultRecord done(RequestRecord r, float... embedding) {
    return ResultRecord.done(r, "1", NamedTensors.of("emb", Tensor.ofFloats(embedding, embedding.length)),
        T0.plusSeconds(100), 1);
  }
}
