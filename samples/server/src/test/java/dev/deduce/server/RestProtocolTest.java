package dev.deduce.server;

import static dev.deduce.server.ServerFixture.error;
import static dev.deduce.server.ServerFixture.fp32;
import static dev.deduce.server.ServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol's REST endpoints with JSON bodies, through the JDK HttpClient over loopback. */
class RestProtocolTest {

  @TempDir
  static Path tmp;
  static ServerFixture s;
  static final ReferenceModel MLP = ModelKit.mlpSmall();

  @BeforeAll
  static void start() {
    s = ServerFixture.start(ServerFixture.standardModels(tmp), Durability.DURABLE,
        ServerFixture.settings().withLimits(1 << 20, 8, 100_000, 64));
  }

  @AfterAll
  static void stop() {
    s.close();
  }

  @Test
  void healthLiveAndReadyAnswer200WithNoBody() {
    assertThat(s.get("/v2/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = s.get("/v2/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEmpty();
  }

  @Test
  void serverMetadataAdvertisesBinaryTensorDataAndJobs() {
    JsonNode m = json(s.get("/v2"));
    assertThat(m.get("name").textValue()).isEqualTo("deduce");
    assertThat(m.get("version").textValue()).isNotBlank().doesNotContain("${");
    assertThat(m.get("extensions").toString()).contains("\"binary_tensor_data\"", "\"deduce_jobs\"");
  }

  @Test
  void modelMetadataGivesPlatformDatatypesAndMinusOneForTheDynamicBatch() {
    JsonNode m = json(s.get("/v2/models/mlp-small"));
    assertThat(m.get("name").textValue()).isEqualTo("mlp-small");
    assertThat(m.get("versions").toString()).isEqualTo("[\"1\"]");
    assertThat(m.get("platform").textValue()).isEqualTo("deduce_reference");
    assertThat(m.get("inputs").toString()).isEqualTo("[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,16]}]");
    assertThat(m.get("outputs").toString())
        .isEqualTo("[{\"name\":\"probs\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
    assertThat(json(s.get("/v2/models/mlp-small/versions/1")).get("inputs")).isEqualTo(m.get("inputs"));
  }

  @Test
  void modelAndVersionReadyAnswer200AndAnUnknownVersion404() {
    assertThat(s.get("/v2/models/mlp-small/ready").statusCode()).isEqualTo(200);
    assertThat(s.get("/v2/models/mlp-small/versions/1/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> r = s.get("/v2/models/mlp-small/versions/7/ready");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r)).contains("model 'mlp-small' has no version '7'", "expected one of [1]");
  }

  @Test
  void inferAnswersWhatTheReferenceOracleComputesAndEchoesTheId() {
    NamedTensors in = MLP.inputs(3);
    float[] x = in.get("x").toFloatArray();
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", fp32(new long[] {3, 16}, x));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("id").textValue()).isEqualTo("req-1");
    assertThat(body.get("model_name").textValue()).isEqualTo("mlp-small");
    assertThat(body.get("model_version").textValue()).isEqualTo("1");
    assertThat(r.headers().firstValue("Deduce-Request-Id")).isPresent();
    JsonNode out = body.get("outputs").get(0);
    assertThat(out.get("name").textValue()).isEqualTo("probs");
    assertThat(out.get("datatype").textValue()).isEqualTo("FP32");
    assertThat(out.get("shape").toString()).isEqualTo("[3,4]");
    float[] expected = MLP.expected(in).get("probs").toFloatArray();
    for (int i = 0; i < expected.length; i++) {
      assertThat(out.get("data").get(i).floatValue()).isCloseTo(expected[i], within(1e-5f));
    }
  }

  @Test
  void nestedDataGivesTheSameAnswerAsFlatData() {
    String flat = "[1,2,3,4,5,6,7,8]";
    String nested = "[[1,2,3,4],[5,6,7,8]]";
    String body = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,4],\"data\":%s}]}";
    JsonNode a = json(s.post("/v2/models/identity-float32/infer", String.format(body, flat)));
    JsonNode b = json(s.post("/v2/models/identity-float32/infer", String.format(body, nested)));
    assertThat(a.get("outputs").get(0).get("data").toString()).isEqualTo("[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0]");
    assertThat(b.get("outputs")).isEqualTo(a.get("outputs"));
  }

  @Test
  void onlyTheRequestedOutputsComeBack() {
    String body = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,8],\"data\":[1,2,3,4,5,6,7,8]}],"
        + "\"outputs\":[{\"name\":\"label\"}]}";
    JsonNode r = json(s.post("/v2/models/multi-output/infer", body));
    assertThat(r.get("outputs")).hasSize(1);
    assertThat(r.get("outputs").get(0).get("name").textValue()).isEqualTo("label");
    assertThat(r.get("outputs").get(0).get("datatype").textValue()).isEqualTo("INT64");
  }

  @Test
  void everyDatatypeDeduceCarriesRoundTripsThroughJson() {
    String[][] cases = {
        {"bool", "BOOL", "[true,false,true,true]"},
        {"uint8", "UINT8", "[0,1,128,255]"},
        {"int32", "INT32", "[-2147483648,0,7,2147483647]"},
        {"int64", "INT64", "[-9223372036854775808,0,7,9223372036854775807]"},
        {"float32", "FP32", "[-1.5,0.0,0.25,3.0E8]"},
        {"float64", "FP64", "[-1.5,0.0,0.1,1.0E300]"},
        {"string", "BYTES", "[\"a\",\"\",\"héllo\",\"z z\"]"}};
    for (String[] c : cases) {
      String body = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + c[1] + "\",\"shape\":[1,4],\"data\":" + c[2]
          + "}]}";
      HttpResponse<String> r = s.post("/v2/models/identity-" + c[0] + "/infer", body);
      assertThat(r.statusCode()).as(c[1] + ": " + r.body()).isEqualTo(200);
      JsonNode out = json(r).get("outputs").get(0);
      assertThat(out.get("datatype").textValue()).isEqualTo(c[1]);
      assertThat(out.get("data").toString()).as(c[1]).isEqualTo(c[2]);
    }
  }

  @Test
  void aDatatypeDeduceCannotCarryIs400NamingTheOnesItCan() {
    for (String t : new String[] {"FP16", "UINT16", "UINT32", "UINT64", "INT8", "INT16"}) {
      HttpResponse<String> r = s.post("/v2/models/identity-float32/infer",
          "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + t + "\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(error(r)).contains("datatype " + t + ", which Deduce's tensors cannot carry",
          "expected one of [BOOL, UINT8, INT32, INT64, FP32, FP64, BYTES]");
    }
    HttpResponse<String> r = s.post("/v2/models/identity-float32/infer",
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FLOAT\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}");
    assertThat(error(r)).contains("'FLOAT', which is not an Open Inference Protocol datatype");
  }

  @Test
  void badJsonIs400SayingWhere() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", "{\"inputs\": [");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("the request body is not valid JSON", "line 1", "expected an inference request");
    assertThat(r.body()).doesNotContain("at com.", "Exception");
  }

  @Test
  void aBodyWithoutInputsIs400() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", "{\"id\":\"a\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("no 'inputs' array");
  }

  @Test
  void wrongDatatypeIs400NamingWhatTheModelExpects() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer",
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"INT64\",\"shape\":[1,16],\"data\":[" + "1,".repeat(15) + "1]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("input 'x' has datatype INT64; model 'mlp-small' expects FP32");
  }

  @Test
  void wrongShapeIs400NamingTheModelsShape() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", fp32(new long[] {1, 15}, new float[15]));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("input 'x' has shape [1, 15]; model 'mlp-small' expects [-1, 16] (-1: any size)");
  }

  @Test
  void dataThatDoesNotFillTheShapeIs400() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", fp32(new long[] {2, 16}, new float[16]));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("input 'x' has 16 elements in 'data'; expected 32 for shape [2, 16]");
  }

  @Test
  void anElementOfTheWrongKindIs400NamingIt() {
    HttpResponse<String> r = s.post("/v2/models/identity-int32/infer",
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"INT32\",\"shape\":[1,4],\"data\":[1,2,\"three\",4]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("input 'x' element 2 is \"three\"; expected an integer");
  }

  @Test
  void anUnknownOrMissingInputIs400ListingTheModelsInputs() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer",
        "{\"inputs\":[{\"name\":\"z\",\"datatype\":\"FP32\",\"shape\":[1,1],\"data\":[1]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("model 'mlp-small' has no input 'z'; expected [x FP32[-1, 16]]");
    HttpResponse<String> none = s.post("/v2/models/mlp-small/infer", "{\"inputs\":[]}");
    assertThat(error(none)).contains("the request has no inputs");
  }

  @Test
  void anUnknownRequestedOutputIs400() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", fp32(new long[] {1, 16}, new float[16])
        .replace("]}]}", "]}],\"outputs\":[{\"name\":\"logits\"}]}"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("has no output 'logits'; expected one of [probs]");
  }

  @Test
  void anUnknownModelIs404AndAnUnknownVersion404() {
    HttpResponse<String> r = s.post("/v2/models/nosuch/infer", fp32(new long[] {1, 16}, new float[16]));
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r)).contains("model 'nosuch' is not deployed");
    assertThat(s.get("/v2/models/nosuch").statusCode()).isEqualTo(404);
    HttpResponse<String> v = s.post("/v2/models/mlp-small/versions/9/infer", fp32(new long[] {1, 16}, new float[16]));
    assertThat(v.statusCode()).isEqualTo(404);
    assertThat(error(v)).contains("has no version '9'");
  }

  @Test
  void anOversizeBodyIs413NamingTheLimit() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", "{\"pad\":\"" + "x".repeat(1 << 20) + "\"}");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(error(r)).contains("expected at most 1048576 bytes", "max-body-bytes");
  }

  @Test
  void jsonNestedDeeperThanTheLimitIs400() {
    HttpResponse<String> r = s.post("/v2/models/identity-float32/infer",
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[[[[[[[1,2,3,4]]]]]]]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("nested deeper than 8 levels", "max-json-depth");
  }

  @Test
  void aShapeOverTheElementLimitIs400BeforeAnythingIsAllocated() {
    HttpResponse<String> r = s.post("/v2/models/identity-float32/infer",
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[100000000,4],\"data\":[1]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("more than the limit of 100000 elements", "max-elements");
  }

  @Test
  void aBytesElementOverTheLengthLimitIs400() {
    HttpResponse<String> r = s.post("/v2/models/identity-string/infer",
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BYTES\",\"shape\":[1,4],\"data\":[\"a\",\"b\",\"c\",\""
            + "é".repeat(40) + "\"]}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).contains("input 'x' element 3 is 80 bytes long; expected at most 64", "max-bytes-length");
  }

  @Test
  void aBadDeadlineHeaderIs400() {
    HttpResponse<String> r = s.post("/v2/models/mlp-small/infer", fp32(new long[] {1, 16}, new float[16]),
        "Deduce-Timeout-Ms", "soon");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("Deduce-Timeout-Ms is 'soon'; expected a positive number of milliseconds");
  }

  @Test
  void theIdempotencyKeyHeaderGivesTheSameStoredRequestIdEveryTime() {
    String body = fp32(new long[] {1, 16}, new float[16]);
    HttpResponse<String> a = s.post("/v2/models/mlp-small/infer", body, "Idempotency-Key", "order-17");
    HttpResponse<String> b = s.post("/v2/models/mlp-small/infer", body, "Idempotency-Key", "order-17");
    String id = DeduceRuntime.requestIdFor("mlp-small", "order-17");
    assertThat(a.headers().firstValue("Deduce-Request-Id")).contains(id);
    assertThat(b.headers().firstValue("Deduce-Request-Id")).contains(id);
    assertThat(json(b).get("outputs")).isEqualTo(json(a).get("outputs"));
  }

  @Test
  void aWrongMethodIs405AndAnUnknownRoute404() {
    HttpResponse<String> m = s.send(HttpRequest.newBuilder(URI.create(s.base + "/v2/models/mlp-small/infer"))
        .GET().build());
    assertThat(m.statusCode()).isEqualTo(405);
    assertThat(error(m)).contains("GET /v2/models/mlp-small/infer is not served; expected POST");
    HttpResponse<String> u = s.get("/v3/things");
    assertThat(u.statusCode()).isEqualTo(404);
    assertThat(error(u)).contains("no route GET /v3/things");
  }

  @Test
  void metricsArePrometheusTextWithTheRuntimesMetersPerModelAndVersion() {
    s.post("/v2/models/mlp-small/infer", fp32(new long[] {1, 16}, new float[16]));
    HttpResponse<String> r = s.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(r.body()).containsPattern("deduce_requests_total\\{[^}]*model=\"mlp-small\"[^}]*version=\"1\"")
        .contains("deduce_server_requests_total{");
  }
}
