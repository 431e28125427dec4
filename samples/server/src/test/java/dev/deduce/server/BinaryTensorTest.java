package dev.deduce.server;

import static dev.deduce.server.ServerFixture.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.Durability;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binary tensor data extension: a JSON header of Inference-Header-Content-Length bytes, then raw tensors. */
class BinaryTensorTest {

  @TempDir
  static Path tmp;
  static ServerFixture s;
  static final ReferenceModel MLP = ModelKit.mlpSmall();

  @BeforeAll
  static void start() {
    s = ServerFixture.start(ServerFixture.standardModels(tmp), Durability.NONE, ServerFixture.settings());
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  private static byte[] le(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private HttpResponse<byte[]> post(String model, String header, byte[] binary) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    HttpRequest r = HttpRequest.newBuilder(URI.create(s.base + "/v2/models/" + model + "/infer"))
        .header("Content-Type", "application/octet-stream")
        .header("Inference-Header-Content-Length", Integer.toString(json.length))
        .POST(HttpRequest.BodyPublishers.ofByteArray(concat(json, binary))).build();
    try {
      return s.http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JSON header of a binary response, and its binary part. */
  private record Split(JsonNode json, ByteBuffer binary) {}

  private static Split split(HttpResponse<byte[]> r) throws Exception {
    int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    JsonNode json = ServerFixture.JSON.readTree(r.body(), 0, n);
    return new Split(json, ByteBuffer.wrap(r.body(), n, r.body().length - n).slice().order(ByteOrder.LITTLE_ENDIAN));
  }

  @Test
  void binaryInputsAndBinaryOutputsGiveTheOraclesAnswer() throws Exception {
    NamedTensors in = MLP.inputs(2);
    String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,16],"
        + "\"parameters\":{\"binary_data_size\":128}}],\"parameters\":{\"binary_data_output\":true}}";
    HttpResponse<byte[]> r = post("mlp-small", header, le(in.get("x").toFloatArray()));
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/octet-stream");
    Split sp = split(r);
    JsonNode out = sp.json().get("outputs").get(0);
    assertThat(out.get("parameters").get("binary_data_size").intValue()).isEqualTo(32);
    assertThat(out.has("data")).isFalse();
    float[] expected = MLP.expected(in).get("probs").toFloatArray();
    assertThat(sp.binary().remaining()).isEqualTo(32);
    for (float e : expected) {
      assertThat(sp.binary().getFloat()).isCloseTo(e, within(1e-5f));
    }
  }

  @Test
  void binaryDataPerOutputLeavesTheOtherOutputsAsJson() throws Exception {
    String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,8],"
        + "\"parameters\":{\"binary_data_size\":32}}],\"outputs\":[{\"name\":\"probs\"},"
        + "{\"name\":\"label\",\"parameters\":{\"binary_data\":true}}]}";
    HttpResponse<byte[]> r = post("multi-output", header, le(new float[] {1, 2, 3, 4, 5, 6, 7, 8}));
    assertThat(r.statusCode()).isEqualTo(200);
    Split sp = split(r);
    JsonNode probs = sp.json().get("outputs").get(0);
    JsonNode label = sp.json().get("outputs").get(1);
    assertThat(probs.get("data")).hasSize(5);
    assertThat(label.get("datatype").textValue()).isEqualTo("INT64");
    assertThat(label.get("parameters").get("binary_data_size").intValue()).isEqualTo(8);
    long argmax = sp.binary().getLong();
    float best = -1;
    int at = -1;
    for (int i = 0; i < 5; i++) {
      if (probs.get("data").get(i).floatValue() > best) {
        best = probs.get("data").get(i).floatValue();
        at = i;
      }
    }
    assertThat(argmax).isEqualTo(at);
  }

  @Test
  void bytesElementsTravelAsLengthPrefixedStringsBothWays() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    for (String v : new String[] {"ab", "", "héllo", "z"}) {
      byte[] u = v.getBytes(StandardCharsets.UTF_8);
      b.putInt(u.length).put(u);
    }
    byte[] raw = java.util.Arrays.copyOf(b.array(), b.position());
    String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BYTES\",\"shape\":[1,4],"
        + "\"parameters\":{\"binary_data_size\":" + raw.length + "}}],\"outputs\":[{\"name\":\"y\","
        + "\"parameters\":{\"binary_data\":true}}]}";
    HttpResponse<byte[]> r = post("identity-string", header, raw);
    assertThat(r.statusCode()).isEqualTo(200);
    Split sp = split(r);
    byte[] back = new byte[sp.binary().remaining()];
    sp.binary().get(back);
    assertThat(back).isEqualTo(raw);
  }

  @Test
  void aBinarySizeThatDoesNotMatchTheShapeIs400() {
    String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,16],"
        + "\"parameters\":{\"binary_data_size\":60}}]}";
    HttpResponse<byte[]> r = post("mlp-small", header, new byte[60]);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(asString(r))).isEqualTo("input 'x' has 60 bytes of binary data; expected 64 (16 FP32 elements of 4"
        + " bytes)");
  }

  @Test
  void binaryDataNoInputClaimsIs400() {
    String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,16],"
        + "\"parameters\":{\"binary_data_size\":64}}]}";
    HttpResponse<byte[]> r = post("mlp-small", header, new byte[70]);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(asString(r))).contains("6 bytes of binary data that no input's binary_data_size claims");
  }

  @Test
  void aHeaderLengthBeyondTheBodyIs400() {
    HttpRequest req = HttpRequest.newBuilder(URI.create(s.base + "/v2/models/mlp-small/infer"))
        .header("Inference-Header-Content-Length", "999").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    HttpResponse<String> r = s.send(req);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("Inference-Header-Content-Length is '999'; expected the byte length of the JSON"
        + " header, 0 to 2");
  }

  @Test
  void aBoolByteOtherThanZeroOrOneIs400() {
    String header = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BOOL\",\"shape\":[1,4],"
        + "\"parameters\":{\"binary_data_size\":4}}]}";
    HttpResponse<byte[]> r = post("identity-bool", header, new byte[] {0, 1, 2, 1});
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(asString(r))).contains("BOOL element 2 is byte 2; expected 0 or 1");
  }

  private static String asString(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
