package dev.deduce.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.deduce.api.Tensor;
import dev.deduce.spi.StoredRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** A job as {@code GET /v2/jobs/{id}} reports it: its status, and its outputs (as infer's JSON) or its failure. */
final class JobJson {

  private JobJson() {}

  static byte[] write(JsonFactory factory, StoredRequest s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = factory.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("job_id", s.requestId());
      g.writeStringField("status", s.status().name());
      g.writeStringField("model_name", s.request().model());
      if (!s.version().isEmpty()) {
        g.writeStringField("model_version", s.version());
      }
      g.writeStringField("submitted_at", s.request().submittedAt().toString());
      if (s.completedAt() != null) {
        g.writeStringField("completed_at", s.completedAt().toString());
      }
      switch (s.status()) {
        case DONE:
          g.writeArrayFieldStart("outputs");
          for (Map.Entry<String, Tensor> e : s.outputs().asMap().entrySet()) {
            RestCodec.writeHeader(g, e.getKey(), e.getValue());
            g.writeFieldName("data");
            JsonTensors.write(g, e.getValue());
            g.writeEndObject();
          }
          g.writeEndArray();
          break;
        case FAILED:
          g.writeStringField("error", s.error());
          g.writeStringField("error_kind", s.errorKind() == null ? "" : s.errorKind().name());
          break;
        default:
          break;
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
