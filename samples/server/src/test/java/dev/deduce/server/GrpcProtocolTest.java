package dev.deduce.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.deduce.api.NamedTensors;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.server.grpc.InferTensorContents;
import dev.deduce.server.grpc.ModelInferRequest;
import dev.deduce.server.grpc.ModelInferResponse;
import dev.deduce.server.grpc.ModelMetadataRequest;
import dev.deduce.server.grpc.ModelMetadataResponse;
import dev.deduce.server.grpc.ModelReadyRequest;
import dev.deduce.server.grpc.ModelReadyResponse;
import dev.deduce.server.grpc.ServerLiveRequest;
import dev.deduce.server.grpc.ServerLiveResponse;
import dev.deduce.server.grpc.ServerMetadataRequest;
import dev.deduce.server.grpc.ServerMetadataResponse;
import dev.deduce.server.grpc.ServerReadyRequest;
import dev.deduce.server.grpc.ServerReadyResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inference.GRPCInferenceService} through grpc-java over loopback. The client names each method by its
 * literal wire name, as Triton's and KServe's clients do, with the protoc-generated messages.
 */
class GrpcProtocolTest {

  @TempDir
  static Path tmp;
  static ServerFixture s;
  static ManagedChannel channel;
  static final ReferenceModel MLP = ModelKit.mlpSmall();

  @BeforeAll
  static void start() {
    Path models = ServerFixture.standardModels(tmp);
    ServerFixture.write(models, ModelKit.mlpLarge(), ServerFixture.ONE_AT_A_TIME);
    s = ServerFixture.start(models, Durability.DURABLE, ServerFixture.settings());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", s.server.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    s.close();
  }

  @SuppressWarnings("unchecked")
  private static <Q extends Message, R extends Message> R call(String method, Q request, R responseType,
      CallOptions options) {
    MethodDescriptor<Q, R> m = MethodDescriptor.<Q, R>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("inference.GRPCInferenceService/" + method)
        .setRequestMarshaller(ProtoUtils.marshaller((Q) request.getDefaultInstanceForType()))
        .setResponseMarshaller(ProtoUtils.marshaller(responseType)).build();
    return ClientCalls.blockingUnaryCall(channel, m, options, request);
  }

  private static <Q extends Message, R extends Message> R call(String method, Q request, R responseType) {
    return call(method, request, responseType, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
  }

  private static ModelInferRequest.Builder mlp(float[] x, long rows) {
    return ModelInferRequest.newBuilder().setModelName("mlp-small").setId("g-1")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
            .addShape(rows).addShape(16)
            .setContents(InferTensorContents.newBuilder().addAllFp32Contents(boxed(x))));
  }

  private static java.util.List<Float> boxed(float[] x) {
    java.util.List<Float> out = new java.util.ArrayList<>();
    for (float f : x) {
      out.add(f);
    }
    return out;
  }

  @Test
  void liveReadyAndMetadataAnswerAsTheProtocolSays() {
    assertThat(call("ServerLive", ServerLiveRequest.getDefaultInstance(), ServerLiveResponse.getDefaultInstance())
        .getLive()).isTrue();
    assertThat(call("ServerReady", ServerReadyRequest.getDefaultInstance(),
        ServerReadyResponse.getDefaultInstance()).getReady()).isTrue();
    assertThat(call("ModelReady", ModelReadyRequest.newBuilder().setName("mlp-small").setVersion("1").build(),
        ModelReadyResponse.getDefaultInstance()).getReady()).isTrue();
    ServerMetadataResponse sm = call("ServerMetadata", ServerMetadataRequest.getDefaultInstance(),
        ServerMetadataResponse.getDefaultInstance());
    assertThat(sm.getName()).isEqualTo("deduce");
    assertThat(sm.getExtensionsList()).contains("binary_tensor_data", "deduce_jobs");
    ModelMetadataResponse mm = call("ModelMetadata", ModelMetadataRequest.newBuilder().setName("mlp-small").build(),
        ModelMetadataResponse.getDefaultInstance());
    assertThat(mm.getPlatform()).isEqualTo("deduce_reference");
    assertThat(mm.getVersionsList()).containsExactly("1");
    assertThat(mm.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(mm.getInputs(0).getShapeList()).containsExactly(-1L, 16L);
  }

  @Test
  void modelInferWithTypedContentsAnswersTheOracle() {
    NamedTensors in = MLP.inputs(2);
    ModelInferResponse r = call("ModelInfer", mlp(in.get("x").toFloatArray(), 2).build(),
        ModelInferResponse.getDefaultInstance());
    assertThat(r.getId()).isEqualTo("g-1");
    assertThat(r.getModelVersion()).isEqualTo("1");
    assertThat(r.getOutputs(0).getName()).isEqualTo("probs");
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 4L);
    float[] expected = MLP.expected(in).get("probs").toFloatArray();
    for (int i = 0; i < expected.length; i++) {
      assertThat(r.getOutputs(0).getContents().getFp32Contents(i)).isCloseTo(expected[i], within(1e-5f));
    }
  }

  @Test
  void rawInputContentsAreAnsweredWithRawOutputContents() {
    NamedTensors in = MLP.inputs(1);
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : in.get("x").toFloatArray()) {
      b.putFloat(f);
    }
    ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("mlp-small")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
            .addShape(1).addShape(16))
        .addRawInputContents(ByteString.copyFrom(b.array())).build();
    ModelInferResponse r = call("ModelInfer", req, ModelInferResponse.getDefaultInstance());
    assertThat(r.getOutputs(0).hasContents()).isFalse();
    ByteBuffer out = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    for (float e : MLP.expected(in).get("probs").toFloatArray()) {
      assertThat(out.getFloat()).isCloseTo(e, within(1e-5f));
    }
  }

  @Test
  void theIdempotencyKeyMetadataGivesTheStoredRequestId() {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER), "grpc-order-1");
    ModelInferResponse r = ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h)),
        io.grpc.MethodDescriptor.<ModelInferRequest, ModelInferResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("inference.GRPCInferenceService/ModelInfer")
            .setRequestMarshaller(ProtoUtils.marshaller(ModelInferRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(ModelInferResponse.getDefaultInstance())).build(),
        CallOptions.DEFAULT, mlp(new float[16], 1).build());
    assertThat(r.getParametersOrThrow("deduce_request_id").getStringParam())
        .isEqualTo(DeduceRuntime.requestIdFor("mlp-small", "grpc-order-1"));
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call succeeded; expected it to fail");
  }

  @Test
  void anUnknownModelIsNotFound() {
    Status st = statusOf(() -> call("ModelInfer", mlp(new float[16], 1).setModelName("nosuch").build(),
        ModelInferResponse.getDefaultInstance()));
    assertThat(st.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(st.getDescription()).contains("model 'nosuch' is not deployed");
  }

  @Test
  void aWrongDatatypeIsInvalidArgumentNamingTheExpectedOne() {
    ModelInferRequest.Builder req = mlp(new float[16], 1);
    req.getInputsBuilder(0).setDatatype("FP64");
    Status st = statusOf(() -> call("ModelInfer", req.build(), ModelInferResponse.getDefaultInstance()));
    assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(st.getDescription()).isEqualTo("input 'x' has datatype FP64; model 'mlp-small' expects FP32");
  }

  @Test
  void contentsThatDoNotFillTheShapeAreInvalidArgument() {
    Status st = statusOf(() -> call("ModelInfer", mlp(new float[15], 1).build(),
        ModelInferResponse.getDefaultInstance()));
    assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(st.getDescription()).contains("has 15 elements in contents.fp32_contents; expected 16");
  }

  @Test
  void anUnsupportedDatatypeIsInvalidArgument() {
    ModelInferRequest.Builder req = mlp(new float[16], 1);
    req.getInputsBuilder(0).setDatatype("FP16");
    Status st = statusOf(() -> call("ModelInfer", req.build(), ModelInferResponse.getDefaultInstance()));
    assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(st.getDescription()).contains("FP16, which Deduce's tensors cannot carry");
  }

  @Test
  void aDeadlineThatPassesWhileQueuedIsDeadlineExceeded() throws Exception {
    ModelInferRequest big = ModelInferRequest.newBuilder().setModelName("mlp-large")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
            .addShape(160).addShape(256)).addRawInputContents(ByteString.copyFrom(new byte[160 * 256 * 4])).build();
    long before = s.started("mlp-large");
    var busy = java.util.concurrent.CompletableFuture.runAsync(() -> call("ModelInfer", big,
        ModelInferResponse.getDefaultInstance()));
    s.awaitStarted("mlp-large", before);
    ModelInferRequest small = big.toBuilder().setInputs(0, big.getInputs(0).toBuilder().setShape(0, 1))
        .setRawInputContents(0, ByteString.copyFrom(new byte[256 * 4])).build();
    Status st = statusOf(() -> call("ModelInfer", small, ModelInferResponse.getDefaultInstance(),
        CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS)));
    assertThat(st.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    busy.join();
  }

  @Test
  void anUnknownVersionOfModelReadyIsNotFound() {
    Status st = statusOf(() -> call("ModelReady", ModelReadyRequest.newBuilder().setName("mlp-small")
        .setVersion("3").build(), ModelReadyResponse.getDefaultInstance()));
    assertThat(st.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(st.getDescription()).contains("has no version '3'");
  }

  @Test
  void theServersMethodNamesAreTheProtocols() {
    assertThat(dev.deduce.server.internal.grpc.GrpcMethods.MODEL_INFER.getFullMethodName())
        .isEqualTo("inference.GRPCInferenceService/ModelInfer");
    assertThatThrownBy(() -> call("RepositoryIndex", ServerLiveRequest.getDefaultInstance(),
        ServerLiveResponse.getDefaultInstance())).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("UNIMPLEMENTED");
  }
}
