package dev.deduce.server.internal.grpc;

import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.TensorSpec;
import dev.deduce.server.grpc.ModelInferRequest;
import dev.deduce.server.grpc.ModelInferResponse;
import dev.deduce.server.grpc.ModelMetadataResponse;
import dev.deduce.server.grpc.ModelReadyResponse;
import dev.deduce.server.grpc.ServerLiveResponse;
import dev.deduce.server.grpc.ServerMetadataResponse;
import dev.deduce.server.grpc.ServerReadyResponse;
import dev.deduce.server.internal.ApiException;
import dev.deduce.server.internal.Datatypes;
import dev.deduce.server.internal.Gateway;
import dev.deduce.server.internal.ModelMetadata;
import dev.deduce.server.internal.RequestCounters;
import dev.deduce.server.internal.TensorHeader;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** {@code inference.GRPCInferenceService} on grpc-java's Netty transport, over the same {@link Gateway} as REST. */
public final class GrpcServer {

  /** The metadata key a client sends its idempotency key in. */
  public static final Metadata.Key<String> IDEMPOTENCY_KEY =
      Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> KEY = Context.key("deduce-idempotency-key");

  private final Gateway gateway;
  private final Server server;
  private final ExecutorService pool;
  private final RequestCounters counters;

  /** Binds {@code host:port} (0: any free port); {@link #start()} serves. */
  public GrpcServer(Gateway gateway, String host, int port, int threads) {
    this.gateway = gateway;
    this.counters = new RequestCounters(gateway.meters(), "grpc");
    AtomicInteger n = new AtomicInteger();
    // handlers only decode, check and submit: inference completes on the runtime's threads, so a fixed pool suffices
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "deduce-grpc-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    ServerInterceptor keys = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(KEY, headers.get(IDEMPOTENCY_KEY)), call, headers,
            next);
      }
    };
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .executor(pool)
        .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, gateway.limits().maxBodyBytes()))
        .addService(ServerInterceptors.intercept(definition(), keys))
        .build();
  }

  public void start() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind gRPC: " + e.getMessage(), e);
    }
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** Stops taking new calls; those in flight go on. */
  public void shutdown() {
    server.shutdown();
  }

  /** Stops taking calls, lets those in flight finish for up to {@code drain}, then cancels the rest. */
  public void stop(Duration drain) {
    server.shutdown();
    try {
      if (!server.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    pool.shutdown();
  }

  private ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(GrpcMethods.SERVICE)
        .addMethod(GrpcMethods.SERVER_LIVE, unary("server_live",
            q -> ServerLiveResponse.newBuilder().setLive(gateway.health().live()).build()))
        .addMethod(GrpcMethods.SERVER_READY, unary("server_ready",
            q -> ServerReadyResponse.newBuilder().setReady(gateway.health().ready()).build()))
        .addMethod(GrpcMethods.MODEL_READY, unary("model_ready", q -> ModelReadyResponse.newBuilder()
            .setReady(gateway.modelReady(q.getName(), blankToNull(q.getVersion()))).build()))
        .addMethod(GrpcMethods.SERVER_METADATA, unary("server_metadata", q -> ServerMetadataResponse.newBuilder()
            .setName(gateway.name()).setVersion(gateway.version()).addAllExtensions(gateway.extensions()).build()))
        .addMethod(GrpcMethods.MODEL_METADATA, unary("model_metadata",
            q -> metadata(gateway.metadata(q.getName(), blankToNull(q.getVersion())))))
        .addMethod(GrpcMethods.MODEL_INFER, ServerCalls.asyncUnaryCall(this::infer))
        .build();
  }

  private <Q, R> ServerCallHandler<Q, R> unary(String route, Function<Q, R> answer) {
    return ServerCalls.asyncUnaryCall((q, out) -> {
      try {
        out.onNext(answer.apply(q));
        out.onCompleted();
        count(route, Status.Code.OK);
      } catch (RuntimeException e) {
        fail(route, out, e, null);
      }
    });
  }

  private static ModelMetadataResponse metadata(ModelMetadata m) {
    ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(m.name())
        .addAllVersions(m.versions()).setPlatform(m.platform());
    m.inputs().forEach(s -> b.addInputs(tensor(s)));
    m.outputs().forEach(s -> b.addOutputs(tensor(s)));
    return b.build();
  }

  private static ModelMetadataResponse.TensorMetadata tensor(TensorSpec s) {
    ModelMetadataResponse.TensorMetadata.Builder t = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(s.name()).setDatatype(Datatypes.name(s.dtype()));
    for (long d : s.shape()) {
      t.addShape(d);
    }
    return t.build();
  }

  private void infer(ModelInferRequest req, StreamObserver<ModelInferResponse> out) {
    String model = req.getModelName();
    String version = blankToNull(req.getModelVersion());
    try {
      ModelSignature sig = gateway.signature(model, version);
      List<TensorHeader> headers = GrpcTensors.headers(req);
      gateway.checkInputs(model, sig, headers);
      gateway.checkOutputs(model, sig, req.getOutputsList().stream()
          .map(ModelInferRequest.InferRequestedOutputTensor::getName).toList());
      NamedTensors inputs = GrpcTensors.decode(req, headers, gateway.limits());
      RequestOptions options = Gateway.options(timeout(), KEY.get());
      gateway.submit(model, version, inputs, options).whenComplete((r, e) -> {
        if (e != null) {
          fail("infer", out, e, model);
          return;
        }
        try {
          out.onNext(GrpcTensors.encode(req, r));
          out.onCompleted();
          count("infer", Status.Code.OK);
        } catch (StatusRuntimeException cancelled) {
          count("infer", Status.Code.CANCELLED); // the client gave up or its deadline passed: nobody to answer
        } catch (RuntimeException bug) {
          fail("infer", out, bug, model);
        }
      });
    } catch (RuntimeException e) {
      fail("infer", out, e, model);
    }
  }

  /** The client's deadline (grpc-timeout) as a runtime timeout, or null for the model's own. */
  private static Duration timeout() {
    Deadline d = Context.current().getDeadline();
    if (d == null) {
      return null;
    }
    long ms = d.timeRemaining(TimeUnit.MILLISECONDS);
    if (ms <= 0) {
      throw new ApiException(ApiException.Kind.DEADLINE, "the call's deadline passed before it reached the model;"
          + " expected a longer grpc-timeout");
    }
    return Duration.ofMillis(ms);
  }

  private void fail(String route, StreamObserver<?> out, Throwable e, String model) {
    ApiException a = gateway.map(e, model);
    count(route, a.kind().grpc());
    try {
      out.onError(Status.fromCode(a.kind().grpc()).withDescription(a.getMessage()).asRuntimeException());
    } catch (RuntimeException cancelled) {
      // the call is already closed (cancelled by the client): there is no one to tell
    }
  }

  private void count(String route, Status.Code code) {
    counters.count(route, code.name());
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
