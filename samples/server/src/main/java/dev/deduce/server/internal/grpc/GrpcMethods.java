package dev.deduce.server.internal.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.deduce.server.grpc.GrpcPredictV2;
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
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The methods of {@code inference.GRPCInferenceService}, named and typed from the descriptor protoc generated from
 * {@code grpc_predict_v2.proto}. The gRPC codegen plugin is a native executable not served here, so this does what
 * its generated {@code *Grpc} class would: a method whose name or message types disagree with the .proto fails at
 * class load, never on the wire.
 */
public final class GrpcMethods {

  private static final Descriptors.ServiceDescriptor SERVICE_DESCRIPTOR =
      GrpcPredictV2.getDescriptor().findServiceByName("GRPCInferenceService");
  /** The service's full name, as clients call it. */
  public static final String SERVICE = SERVICE_DESCRIPTOR.getFullName();

  public static final MethodDescriptor<ServerLiveRequest, ServerLiveResponse> SERVER_LIVE =
      unary("ServerLive", ServerLiveRequest.getDefaultInstance(), ServerLiveResponse.getDefaultInstance());
  public static final MethodDescriptor<ServerReadyRequest, ServerReadyResponse> SERVER_READY =
      unary("ServerReady", ServerReadyRequest.getDefaultInstance(), ServerReadyResponse.getDefaultInstance());
  public static final MethodDescriptor<ModelReadyRequest, ModelReadyResponse> MODEL_READY =
      unary("ModelReady", ModelReadyRequest.getDefaultInstance(), ModelReadyResponse.getDefaultInstance());
  public static final MethodDescriptor<ServerMetadataRequest, ServerMetadataResponse> SERVER_METADATA =
      unary("ServerMetadata", ServerMetadataRequest.getDefaultInstance(), ServerMetadataResponse.getDefaultInstance());
  public static final MethodDescriptor<ModelMetadataRequest, ModelMetadataResponse> MODEL_METADATA =
      unary("ModelMetadata", ModelMetadataRequest.getDefaultInstance(), ModelMetadataResponse.getDefaultInstance());
  public static final MethodDescriptor<ModelInferRequest, ModelInferResponse> MODEL_INFER =
      unary("ModelInfer", ModelInferRequest.getDefaultInstance(), ModelInferResponse.getDefaultInstance());

  private GrpcMethods() {}

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(String name, Q request,
      R response) {
    Descriptors.MethodDescriptor m = SERVICE_DESCRIPTOR.findMethodByName(name);
    if (m == null || m.isClientStreaming() || m.isServerStreaming()
        || m.getInputType() != request.getDescriptorForType() || m.getOutputType() != response.getDescriptorForType()) {
      throw new IllegalStateException("grpc_predict_v2.proto has no unary " + SERVICE + "/" + name + "("
          + request.getDescriptorForType().getName() + ") returns (" + response.getDescriptorForType().getName()
          + ")");
    }
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .build();
  }
}
