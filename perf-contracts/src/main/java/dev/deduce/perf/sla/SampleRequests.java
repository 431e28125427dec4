package dev.deduce.perf.sla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A file of sample requests in the Open Inference Protocol's JSON request shape, {@code {"inputs": [{"name", "shape",
 * "datatype", "data"}]}}: one such object, or a JSON array of them. {@code data} is flat or nested, as the protocol
 * allows, so the file a server's clients send drives an SLA too.
 */
final class SampleRequests {

  // the protocol's names of the dtypes Deduce carries
  private static final Map<String, DataType> DATATYPES = Map.of("BOOL", DataType.BOOL, "UINT8", DataType.UINT8,
      "INT32", DataType.INT32, "INT64", DataType.INT64, "FP32", DataType.FLOAT32, "FP64", DataType.FLOAT64,
      "BYTES", DataType.STRING);

  private SampleRequests() {}

  /** Every request in {@code file}; fails naming the file, the request and what is wrong. */
  static List<NamedTensors> read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("requests file " + file + " cannot be read as JSON: " + e.getMessage()
          + "; expected Open Inference Protocol requests, {\"inputs\": [...]} or a list of them", e);
    }
    List<JsonNode> requests = new ArrayList<>();
    if (root != null && root.isArray()) {
      root.forEach(requests::add);
    } else if (root != null && root.isObject()) {
      requests.add(root);
    }
    if (requests.isEmpty()) {
      throw new IllegalArgumentException("requests file " + file + " holds no request; expected {\"inputs\": [...]}"
          + " or a non-empty list of them");
    }
    List<NamedTensors> out = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      out.add(request(requests.get(i), file + " request " + i));
    }
    return out;
  }

  private static NamedTensors request(JsonNode r, String where) {
    JsonNode inputs = r.path("inputs");
    if (!inputs.isArray() || inputs.isEmpty()) {
      throw new IllegalArgumentException(where + " has no \"inputs\" list; expected {\"inputs\": [{\"name\": ..., "
          + "\"shape\": [...], \"datatype\": ..., \"data\": [...]}]}");
    }
    NamedTensors.Builder b = NamedTensors.builder();
    for (JsonNode in : inputs) {
      String name = in.path("name").asText("");
      String what = where + " input '" + name + "'";
      if (name.isEmpty()) {
        throw new IllegalArgumentException(where + " has an input without a name; expected \"name\": \"...\"");
      }
      DataType dtype = DATATYPES.get(in.path("datatype").asText(""));
      if (dtype == null) {
        throw new IllegalArgumentException(what + " has datatype '" + in.path("datatype").asText("") + "'; expected"
            + " one of " + DATATYPES.keySet().stream().sorted().toList());
      }
      JsonNode shapeNode = in.path("shape");
      if (!shapeNode.isArray()) {
        throw new IllegalArgumentException(what + " has no \"shape\"; expected a list of dimensions");
      }
      long[] shape = new long[shapeNode.size()];
      long count = 1;
      for (int d = 0; d < shape.length; d++) {
        if (!shapeNode.get(d).canConvertToLong() || shapeNode.get(d).asLong() < 0) {
          throw new IllegalArgumentException(what + " has shape " + shapeNode + "; expected whole dimensions of 0 or"
              + " more");
        }
        shape[d] = shapeNode.get(d).asLong();
        count = Math.multiplyExact(count, shape[d]);
      }
      List<JsonNode> data = new ArrayList<>();
      flatten(in.path("data"), data);
      if (data.size() != count) {
        throw new IllegalArgumentException(what + " has " + data.size() + " values in \"data\"; expected " + count
            + " for shape " + shapeNode);
      }
      b.put(name, tensor(dtype, shape, data, what));
    }
    return b.build();
  }

  private static long integral(JsonNode x, String what) {
    if (!x.isIntegralNumber() || !x.canConvertToLong()) {
      throw new IllegalArgumentException(what + " holds " + x + "; expected whole numbers for its datatype");
    }
    return x.asLong();
  }

  private static void flatten(JsonNode n, List<JsonNode> out) {
    if (n.isArray()) {
      n.forEach(c -> flatten(c, out));
    } else if (!n.isMissingNode()) {
      out.add(n);
    }
  }

  private static Tensor tensor(DataType dtype, long[] shape, List<JsonNode> data, String what) {
    if (dtype == DataType.STRING) {
      String[] v = new String[data.size()];
      for (int i = 0; i < v.length; i++) {
        if (!data.get(i).isTextual()) {
          throw new IllegalArgumentException(what + " holds " + data.get(i) + "; expected strings for BYTES");
        }
        v[i] = data.get(i).asText();
      }
      return Tensor.ofStrings(v, shape);
    }
    if (dtype == DataType.INT64) {
      long[] v = new long[data.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = integral(data.get(i), what);
      }
      return Tensor.ofLongs(v, shape);
    }
    double[] d = new double[data.size()];
    for (int i = 0; i < d.length; i++) {
      JsonNode x = data.get(i);
      if (dtype == DataType.BOOL ? !x.isBoolean() : !x.isNumber()) {
        throw new IllegalArgumentException(what + " holds " + x + "; expected " + (dtype == DataType.BOOL
            ? "true or false" : "numbers") + " for its datatype");
      }
      d[i] = dtype == DataType.BOOL ? (x.asBoolean() ? 1 : 0)
          : dtype == DataType.FLOAT32 || dtype == DataType.FLOAT64 ? x.asDouble() : integral(x, what);
    }
    return Tensors.of(dtype, d, shape);
  }
}
