package dev.deduce.server;

import com.google.protobuf.ByteString;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.host.DeduceHost;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.server.grpc.ModelInferRequest;
import dev.deduce.server.grpc.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One-row mlp-small requests (reference engine, batching on as the quickstart serves it) from 64 closed-loop
 * callers, side by side: the in-process runtime, REST with JSON tensors, REST with the
 * binary tensor extension, and gRPC with raw contents, all against one server on loopback. Every answer is checked
 * for its status and size, so an error never counts as throughput. REST callers share one HTTP/1.1 client, which
 * keeps a connection per concurrent exchange (64); each gRPC caller has its own channel, so 64 HTTP/2 connections.
 * Client and server share the machine's cores, as they do in any loopback figure.
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// gRPC's and Netty's code takes about 20 s of this machine's JIT before it settles
@Warmup(iterations = 5, time = 5)
@Measurement(iterations = 3, time = 4)
@Threads(64)
@State(Scope.Benchmark)
public class ServerThroughputBenchmark {

  static final String CONF = "engine = reference\nfile = %s.dgraph\n"
      + "batching { enabled = true, max-size = 16, max-queue-delay = 2ms, preferred-sizes = [8, 16] }\n"
      + "instances = 2\nqueue { capacity = 2048 }\n";
  static final ReferenceModel MODEL = ModelKit.mlpSmall();
  static final int CALLERS = 64;
  static final String CLIENT_LOOP = "bench-grpc-client";

  @Param({"in-process", "rest-json", "rest-binary", "grpc"})
  String path;

  Path dir;
  DeduceServer server;
  DeduceRuntime runtime;
  NamedTensors inputs;
  byte[] json;
  byte[] binary;
  int headerLength;
  ModelInferRequest grpcRequest;
  URI infer;
  HttpClient http;
  MethodDescriptor<ModelInferRequest, ModelInferResponse> modelInfer;
  // the callers' own event loops, so that their CPU is told apart from the server's
  NioEventLoopGroup clientLoops;
  final LongAdder requests = new LongAdder();
  final CpuSplit cpu = new CpuSplit();

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = Files.createTempDirectory("deduce-server-bench");
    Path version = Files.createDirectories(dir.resolve("models").resolve(MODEL.name()).resolve("1"));
    new DgraphWriter().write(MODEL.graph(), version);
    Files.writeString(version.resolve("model.conf"), String.format(CONF, MODEL.name()));
    DeduceHost host = DeduceHost.builder().settings(RuntimeSettings.defaults()).modelsDir(dir.resolve("models"))
        .durability(Durability.NONE).start();
    server = DeduceServer.start(host, ServerSettings.load().withPorts(0, 0), dir.resolve("models"));
    runtime = host.runtime();
    inputs = MODEL.inputs(1);
    float[] x = inputs.get("x").toFloatArray();

    StringBuilder s = new StringBuilder("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,16],\"data\":[");
    for (int i = 0; i < x.length; i++) {
      s.append(i == 0 ? "" : ",").append(x[i]);
    }
    json = s.append("]}]}").toString().getBytes(StandardCharsets.UTF_8);

    ByteBuffer raw = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : x) {
      raw.putFloat(f);
    }
    byte[] header = ("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,16],\"parameters\":"
        + "{\"binary_data_size\":" + raw.capacity() + "}}],\"parameters\":{\"binary_data_output\":true}}")
        .getBytes(StandardCharsets.UTF_8);
    headerLength = header.length;
    binary = ByteBuffer.allocate(header.length + raw.capacity()).put(header).put(raw.array()).array();

    grpcRequest = ModelInferRequest.newBuilder().setModelName(MODEL.name())
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
            .addShape(1).addShape(16))
        .addRawInputContents(ByteString.copyFrom(raw.array())).build();
    modelInfer = MethodDescriptor.<ModelInferRequest, ModelInferResponse>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("inference.GRPCInferenceService/ModelInfer")
        .setRequestMarshaller(ProtoUtils.marshaller(ModelInferRequest.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(ModelInferResponse.getDefaultInstance())).build();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    infer = URI.create("http://127.0.0.1:" + server.restPort() + "/v2/models/" + MODEL.name() + "/infer");
  }

  @Setup(Level.Iteration)
  public void startCounting() {
    requests.reset();
    cpu.start();
  }

  @TearDown(Level.Iteration)
  public void printCpu() {
    System.out.println(path + " " + cpu.stop(requests.sum()));
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    server.close();
    if (clientLoops != null) {
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** One caller's own gRPC channel. */
  @State(Scope.Thread)
  public static class Caller {
    ManagedChannel channel;

    @Setup(Level.Trial)
    public void connect(ServerThroughputBenchmark b) {
      if (b.path.equals("grpc")) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", b.server.grpcPort()).usePlaintext()
            .eventLoopGroup(b.clientLoops()).channelType(NioSocketChannel.class).build();
      }
    }

    @TearDown(Level.Trial)
    public void disconnect() throws InterruptedException {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  synchronized NioEventLoopGroup clientLoops() {
    if (clientLoops == null) {
      clientLoops = new NioEventLoopGroup(0, new DefaultThreadFactory(CLIENT_LOOP, true));
    }
    return clientLoops;
  }

  @Benchmark
  public Object infer(Caller c) throws Exception {
    requests.increment();
    switch (path) {
      case "in-process":
        return runtime.infer(MODEL.name(), null, inputs, RequestOptions.defaults());
      case "rest-json":
        return check(http.send(HttpRequest.newBuilder(infer).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(), HttpResponse.BodyHandlers.ofByteArray()));
      case "rest-binary":
        return check(http.send(HttpRequest.newBuilder(infer).header("Content-Type", "application/octet-stream")
            .header("Inference-Header-Content-Length", Integer.toString(headerLength))
            .POST(HttpRequest.BodyPublishers.ofByteArray(binary)).build(), HttpResponse.BodyHandlers.ofByteArray()));
      case "grpc":
        ModelInferResponse r = ClientCalls.blockingUnaryCall(c.channel, modelInfer,
            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), grpcRequest);
        if (r.getRawOutputContentsCount() != 1 || r.getRawOutputContents(0).size() != 16) {
          throw new IllegalStateException("unexpected gRPC answer: " + r);
        }
        return r;
      default:
        throw new IllegalArgumentException("path is '" + path + "'; expected in-process, rest-json, rest-binary"
            + " or grpc");
    }
  }

  private static byte[] check(HttpResponse<byte[]> r) {
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
    }
    return r.body();
  }
}
