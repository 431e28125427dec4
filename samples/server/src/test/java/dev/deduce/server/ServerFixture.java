package dev.deduce.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deduce.api.DataType;
import dev.deduce.host.DeduceHost;
import dev.deduce.perf.modelkit.DgraphWriter;
import dev.deduce.perf.modelkit.ModelKit;
import dev.deduce.perf.modelkit.ReferenceModel;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.MemoryStore;
import dev.deduce.runtime.MetricNames;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server on loopback (any free ports) over a real host: the reference engine from the classpath, a model
 * repository of ModelKit models written as .dgraph files, an in-memory store, Prometheus metrics.
 */
final class ServerFixture implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  /** batching on, as a served model would be. */
  static final String BATCHED = "engine = reference\nfile = %s.dgraph\n"
      + "batching { enabled = true, max-size = 16, max-queue-delay = 1ms }\ninstances = 2\n";
  /** one slow run at a time and room for one more: overload and deadlines are reachable. */
  static final String ONE_AT_A_TIME = "engine = reference\nfile = %s.dgraph\n"
      + "batching { enabled = false }\ninstances = 1\nqueue { capacity = 1 }\n";

  final DeduceServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  final String base;
  private final PrometheusMeterRegistry registry;

  private ServerFixture(DeduceServer server, PrometheusMeterRegistry registry) {
    this.server = server;
    this.registry = registry;
    this.base = "http://127.0.0.1:" + server.restPort();
  }

  /** Engine runs of {@code model} started so far: the runtime records a run's batch size as the run begins. */
  long started(String model) {
    DistributionSummary runs = registry.find(MetricNames.BATCH_SIZE).tag("model", model).summary();
    return runs == null ? 0 : runs.count();
  }

  /**
   * Waits until more than {@code before} engine runs of {@code model} have started: a request sent to keep the one
   * instance busy is running from then on, however fast or loaded the machine (a fixed sleep was too short on a
   * loaded machine and, on a quiet one, longer than some runs).
   */
  void awaitStarted(String model, long before) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (started(model) <= before) {
      if (System.nanoTime() > until) {
        throw new AssertionError("no engine run of model '" + model + "' started within 30 s");
      }
      Thread.sleep(2);
    }
  }

  /** Writes {@code model} as {@code models/<name>/1/} with {@code conf} (a format with one %s for the name). */
  static void write(Path models, ReferenceModel model, String conf) {
    try {
      Path v = Files.createDirectories(models.resolve(model.name()).resolve("1"));
      new DgraphWriter().write(model.graph(), v);
      Files.writeString(v.resolve("model.conf"), String.format(conf, model.name()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** mlp-small, multi-output and an identity model of every dtype, batched. */
  static Path standardModels(Path dir) {
    Path models = dir.resolve("models");
    write(models, ModelKit.mlpSmall(), BATCHED);
    write(models, ModelKit.multiOutput(), BATCHED);
    for (DataType t : DataType.values()) {
      write(models, ModelKit.identity(t), BATCHED);
    }
    return models;
  }

  static ServerFixture start(Path models, Durability durability, ServerSettings settings) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DeduceHost.Builder b = DeduceHost.builder().settings(RuntimeSettings.defaults()).meterRegistry(registry)
        .modelsDir(models).durability(durability);
    if (durability != Durability.NONE) {
      b.store(new MemoryStore());
    }
    DeduceHost host = b.start();
    try {
      return new ServerFixture(DeduceServer.start(host, settings, models), registry);
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** The defaults on free ports. */
  static ServerSettings settings() {
    return ServerSettings.load().withPorts(0, 0);
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
  }

  HttpResponse<String> post(String path, String json, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  HttpResponse<String> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.body(), e);
    }
  }

  /** The error message of a failed response, checking the body is exactly {"error": "..."}. */
  static String error(HttpResponse<String> r) {
    return error(r.body());
  }

  /** The error message of a failed response body, checking it is exactly {"error": "..."}. */
  static String error(String body) {
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
    if (n.size() != 1 || !n.path("error").isTextual()) {
      throw new AssertionError("expected {\"error\": ...}, got " + body);
    }
    return n.get("error").textValue();
  }

  /** A JSON infer body with one FP32 input {@code x} of {@code shape} and flat {@code data}. */
  static String fp32(long[] shape, float[] data) {
    StringBuilder s = new StringBuilder("{\"id\":\"req-1\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":");
    s.append(java.util.Arrays.toString(shape)).append(",\"data\":[");
    for (int i = 0; i < data.length; i++) {
      s.append(i == 0 ? "" : ",").append(data[i]);
    }
    return s.append("]}]}").toString();
  }

  @Override
  public void close() {
    server.close();
  }
}
