package dev.deduce.store.cozo;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.Tensor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.TensorCodec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** What a record must satisfy before anything of it is written, with the store options that set the limits. */
final class RecordChecks {

  private RecordChecks() {}

  /**
   * The embedding to store for {@code r}, or null when it has none or cannot be indexed (a wrong dtype or size, a
   * NaN or infinity): then {@code skipped} hears why. The result itself is stored either way, because a result the
   * store refused would stay PENDING and be run again, and refused again, at every start.
   */
  static float[] embedding(CozoStoreOptions options, ResultRecord r, Consumer<String> skipped) {
    String name = options.embeddingOutput();
    if (name == null || r.status() != RequestStatus.DONE || !r.outputs().contains(name)) {
      return null;
    }
    Tensor t = r.outputs().get(name);
    if (t.dtype() != DataType.FLOAT32 || t.elementCount() != options.embeddingDim()) {
      skipped.accept("output '" + name + "' of request " + r.requestId() + " is " + t.dtype() + " with "
          + t.elementCount() + " elements; expected FLOAT32 with " + options.embeddingDim() + " (store option "
          + CozoStoreOptions.EMBEDDING_DIM + ")");
      return null;
    }
    float[] v = t.toFloatArray();
    for (float f : v) {
      if (!Float.isFinite(f)) {
        skipped.accept("output '" + name + "' of request " + r.requestId() + " holds " + f
            + "; expected finite numbers to index");
        return null;
      }
    }
    return v;
  }

  /** The encoded tensors, or null for none; fails when they exceed {@code maxRecordBytes}. */
  static byte[] encode(CozoStoreOptions options, String id, String what, NamedTensors tensors) {
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

  /** The first record per request id, in order; fails on a null list or entry. */
  static Map<String, RequestRecord> firstRequests(List<RequestRecord> requests) {
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
    return first;
  }

  /** The encoded inputs per request id (null: none); fails on the first that is too large, before any is written. */
  static Map<String, byte[]> encodeInputs(CozoStoreOptions options, Map<String, RequestRecord> first) {
    Map<String, byte[]> inputs = new HashMap<>();
    for (RequestRecord r : first.values()) {
      inputs.put(r.requestId(), RecordChecks.encode(options, r.requestId(), "inputs", r.inputs()));
    }
    return inputs;
  }
}
