package dev.deduce.store.sqlite;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.StoreConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Test records with real tensors. */
final class Records {

  static final Instant T0 = Instant.parse("2026-11-30T10:00:00.123456789Z");

  private Records() {}

  static RequestRecord request(String id) {
    return request(id, "iris", "1", T0);
  }

  static RequestRecord request(String id, String model, String version, Instant submittedAt) {
    NamedTensors inputs = NamedTensors.of("x", Tensor.ofFloats(new float[] {1.5f, -2f, 3.25f, 0f}, 2, 2),
        "label", Tensor.ofStrings(new String[] {"a", "é"}, 2));
    return new RequestRecord(id, model, version, inputs, submittedAt, submittedAt.plusSeconds(30), "key-" + id);
  }

  static ResultRecord done(RequestRecord request) {
    NamedTensors out = NamedTensors.of("y", Tensor.ofLongs(new long[] {7L, -1L}, 2));
    return ResultRecord.done(request, request.version().isEmpty() ? "3" : request.version(), out,
        request.submittedAt().plusMillis(5), 1);
  }

  /** A DONE result whose output is {@code bytes} of FLOAT32 data. */
  static ResultRecord doneWithBytes(RequestRecord request, int bytes) {
    float[] v = new float[bytes / 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0.5f;
    }
    return ResultRecord.done(request, request.version(), NamedTensors.of("y", Tensor.ofFloats(v, v.length)),
        request.submittedAt().plusMillis(1), 1);
  }

  static StoreConfig config(Path file) {
    return new StoreConfig(file, Map.of());
  }

  static StoreConfig config(Path file, Map<String, String> options) {
    return new StoreConfig(file, options);
  }
}
