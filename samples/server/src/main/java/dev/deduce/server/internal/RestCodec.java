package dev.deduce.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The REST body of an inference request and response: the protocol's JSON, and the binary tensor extension (a JSON
 * header of {@code Inference-Header-Content-Length} bytes followed by raw tensors in input or output order).
 */
public final class RestCodec {

  private final ObjectMapper mapper;
  private final JsonFactory factory;
  private final Limits limits;

  /** A codec holding requests to {@code limits}. */
  public RestCodec(Limits limits) {
    this.limits = limits;
    // Jackson enforces depth and string length while it reads, so an abusive body fails before a tree is built
    this.factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(limits.maxJsonDepth())
        .maxStringLength((int) Math.min(Integer.MAX_VALUE, Math.max(limits.maxBytesLength() + 16L, 65_536L)))
        .build()).build();
    this.mapper = new ObjectMapper(factory);
  }

  /** One requested output: its name and whether it goes back as binary data. */
  public record RequestedOutput(String name, boolean binary) {}

  /** One input: what it declares, and its data, either JSON or {@code binarySize} bytes of binary data (-1: none). */
  public record Input(TensorHeader header, JsonNode data, long binarySize) {}

  /** A parsed request before its tensors are decoded. */
  public record Request(String id, List<Input> inputs, List<RequestedOutput> outputs, boolean binaryOutputs) {

    /** The declared inputs, to check against the model. */
    public List<TensorHeader> headers() {
      return inputs.stream().map(Input::header).toList();
    }
  }

  /**
   * Parses the JSON part of a body: all of {@code body} when {@code jsonLength} is negative, else its first
   * {@code jsonLength} bytes.
   */
  public Request parse(byte[] body, int jsonLength) {
    int len = jsonLength < 0 ? body.length : jsonLength;
    JsonNode root = readTree(body, len);
    if (!root.isObject()) {
      throw ApiException.bad("the request body is JSON " + root.getNodeType().toString().toLowerCase()
          + "; expected an inference request object with 'inputs'");
    }
    String id = root.hasNonNull("id") ? text(root.get("id"), "'id'") : null;
    boolean binaryOut = flag(root.get("parameters"), "binary_data_output", "request parameters");
    JsonNode ins = root.get("inputs");
    if (ins == null || !ins.isArray()) {
      throw ApiException.bad("the request has no 'inputs' array; expected 'inputs': [{\"name\", \"shape\","
          + " \"datatype\", \"data\"}, ...]");
    }
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < ins.size(); i++) {
      inputs.add(input(ins.get(i), i));
    }
    List<RequestedOutput> outputs = new ArrayList<>();
    JsonNode outs = root.get("outputs");
    if (outs != null && !outs.isNull()) {
      if (!outs.isArray()) {
        throw ApiException.bad("'outputs' is not an array; expected [{\"name\": ...}, ...]");
      }
      for (JsonNode o : outs) {
        if (!o.isObject()) {
          throw ApiException.bad("an entry of 'outputs' is " + o + "; expected an object with a 'name'");
        }
        String name = text(o.get("name"), "an entry of 'outputs' and its 'name'");
        boolean binary = o.has("parameters")
            ? flag(o.get("parameters"), "binary_data", "output '" + name + "' parameters") : binaryOut;
        outputs.add(new RequestedOutput(name, binary));
      }
    }
    return new Request(id, inputs, outputs, binaryOut);
  }

  private JsonNode readTree(byte[] body, int len) {
    try {
      JsonNode n = mapper.readTree(body, 0, len);
      if (n == null || n.isMissingNode()) {
        throw ApiException.bad("the request body is empty; expected an inference request object with 'inputs'");
      }
      return n;
    } catch (StreamConstraintsException e) {
      String m = e.getOriginalMessage();
      if (m.contains("nesting depth")) {
        throw ApiException.bad("the request JSON is nested deeper than " + limits.maxJsonDepth()
            + " levels; expected at most that (setting deduce-server.limits.max-json-depth)");
      }
      throw ApiException.bad("the request JSON is over a limit: " + m + "; expected a smaller request");
    } catch (JsonProcessingException e) {
      throw ApiException.bad("the request body is not valid JSON (" + e.getOriginalMessage() + " at line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
          + "); expected an inference request object");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Input input(JsonNode in, int i) {
    if (!in.isObject()) {
      throw ApiException.bad("inputs[" + i + "] is " + in + "; expected an object with name, shape, datatype, data");
    }
    String name = text(in.get("name"), "inputs[" + i + "].name");
    String what = "input '" + name + "'";
    JsonNode s = in.get("shape");
    if (s == null || !s.isArray()) {
      throw ApiException.bad(what + " has no 'shape' array; expected e.g. \"shape\": [1, 16]");
    }
    long[] shape = new long[s.size()];
    for (int d = 0; d < shape.length; d++) {
      if (!s.get(d).isIntegralNumber() || !s.get(d).canConvertToLong()) {
        throw ApiException.bad(what + " has shape " + s + "; expected whole numbers");
      }
      shape[d] = s.get(d).longValue();
    }
    JsonNode dt = in.get("datatype");
    String datatype = dt == null || !dt.isTextual() ? null : dt.textValue();
    TensorHeader h = new TensorHeader(name, datatype, Datatypes.parse(datatype, what), shape);
    long binarySize = -1;
    JsonNode p = in.get("parameters");
    if (p != null && p.has("binary_data_size")) {
      JsonNode b = p.get("binary_data_size");
      if (!b.isIntegralNumber() || b.longValue() < 0) {
        throw ApiException.bad(what + " has binary_data_size " + b + "; expected a byte count of 0 or more");
      }
      binarySize = b.longValue();
    }
    return new Input(h, in.get("data"), binarySize);
  }

  private static String text(JsonNode n, String what) {
    if (n == null || !n.isTextual() || n.textValue().isEmpty()) {
      throw ApiException.bad(what + " is " + (n == null ? "missing" : n.toString()) + "; expected a non-empty string");
    }
    return n.textValue();
  }

  private static boolean flag(JsonNode params, String key, String where) {
    if (params == null || params.isNull()) {
      return false;
    }
    if (!params.isObject()) {
      throw ApiException.bad(where + " is " + params + "; expected an object");
    }
    JsonNode v = params.get(key);
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      throw ApiException.bad(where + " has " + key + " " + v + "; expected true or false");
    }
    return v.booleanValue();
  }

  /**
   * Decodes the inputs, JSON data or binary data taken in input order from {@code binary}, which must be used up.
   */
  public NamedTensors decode(Request r, ByteBuffer binary) {
    NamedTensors.Builder b = NamedTensors.builder();
    ByteBuffer rest = binary.slice();
    for (Input in : r.inputs()) {
      TensorHeader h = in.header();
      Tensor t;
      if (in.binarySize() >= 0) {
        if (in.binarySize() > rest.remaining()) {
          throw ApiException.bad(h.what() + " has binary_data_size " + in.binarySize() + " but only "
              + rest.remaining() + " bytes of binary data remain; expected the body to carry them after the JSON"
              + " header of Inference-Header-Content-Length bytes");
        }
        ByteBuffer part = rest.slice();
        part.limit((int) in.binarySize());
        rest.position(rest.position() + (int) in.binarySize());
        t = RawTensors.decode(h.type(), h.shape(), part, h.what(), limits);
      } else {
        t = JsonTensors.decode(h.type(), h.shape(), in.data(), h.what(), limits);
      }
      b.put(h.name(), t);
    }
    if (rest.hasRemaining()) {
      throw ApiException.bad("the body has " + rest.remaining() + " bytes of binary data that no input's"
          + " binary_data_size claims; expected their sizes to add up to the bytes after the JSON header");
    }
    return b.build();
  }

  /** A response body and, when it carries binary data, the length of its JSON header. */
  public record Body(byte[] bytes, int jsonLength) {

    /** Whether the body carries binary data after a JSON header. */
    public boolean binary() {
      return jsonLength >= 0;
    }
  }

  /** The response to {@code r}: the requested outputs (all when none were named), each JSON or binary. */
  public Body encode(Request r, InferenceResult result) {
    List<RequestedOutput> outs = r.outputs();
    if (outs.isEmpty()) {
      outs = result.outputs().names().stream().map(n -> new RequestedOutput(n, r.binaryOutputs())).toList();
    }
    ByteArrayOutputStream json = new ByteArrayOutputStream(256);
    List<byte[]> raw = new ArrayList<>();
    try (JsonGenerator g = factory.createGenerator(json)) {
      g.writeStartObject();
      g.writeStringField("model_name", result.model());
      g.writeStringField("model_version", result.version());
      if (r.id() != null) {
        g.writeStringField("id", r.id());
      }
      g.writeObjectFieldStart("parameters");
      g.writeStringField("deduce_request_id", result.requestId());
      g.writeNumberField("batch_size", result.batchSize());
      g.writeEndObject();
      g.writeArrayFieldStart("outputs");
      for (RequestedOutput o : outs) {
        Tensor t = result.output(o.name());
        writeHeader(g, o.name(), t);
        if (o.binary()) {
          byte[] b = RawTensors.encode(t);
          raw.add(b);
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", b.length);
          g.writeEndObject();
        } else {
          g.writeFieldName("data");
          JsonTensors.write(g, t);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (raw.isEmpty()) {
      return new Body(json.toByteArray(), -1);
    }
    int jsonLength = json.size();
    for (byte[] b : raw) {
      json.writeBytes(b);
    }
    return new Body(json.toByteArray(), jsonLength);
  }

  /** Starts an output object with its name, datatype and shape; the caller adds data and ends it. */
  static void writeHeader(JsonGenerator g, String name, Tensor t) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeStringField("datatype", Datatypes.name(t.dtype()));
    long[] shape = t.shape();
    g.writeArrayFieldStart("shape");
    for (long d : shape) {
      g.writeNumber(d);
    }
    g.writeEndArray();
  }

  /** The factory, for other JSON bodies written with the same settings. */
  public JsonFactory factory() {
    return factory;
  }
}
