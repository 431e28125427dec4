package dev.deduce.server.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.TensorSpec;
import dev.deduce.repository.Health;
import dev.deduce.spi.StoredRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol over REST on the JDK's HTTP server: health, metadata, infer (JSON and binary tensors), jobs and
 * /metrics. Handlers run on a bounded pool; when its queue is full the accepting thread runs the exchange itself,
 * which stops it accepting until a worker is free: backpressure on the socket, never an unbounded queue.
 */
public final class RestServer {

  private static final Logger LOG = LoggerFactory.getLogger(RestServer.class);
  /** Counts answered requests by protocol, route and status. */
  public static final String SERVER_REQUESTS = "deduce.server.requests";

  static {
    // without TCP_NODELAY a small response waits on the client's delayed ACK (~40 ms on Linux); read once, at class
    // load of the JDK server, so it is set before the first server is made
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final Gateway gateway;
  private final RestCodec codec;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final MeterRegistry meters;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final RequestCounters counters;

  /** Binds {@code host:port} (0: any free port) with {@code threads} handler threads; {@link #start()} serves. */
  public RestServer(Gateway gateway, String host, int port, int threads, int queue) {
    this.gateway = gateway;
    this.codec = new RestCodec(gateway.limits());
    this.meters = gateway.meters();
    this.counters = new RequestCounters(meters, "rest");
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
        r -> {
          Thread t = new Thread(r, "deduce-rest-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    try {
      this.server = HttpServer.create(new InetSocketAddress(host, port), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind REST to " + host + ":" + port + ": " + e.getMessage(), e);
    }
    server.setExecutor(pool);
    server.createContext("/", this::handle);
  }

  public void start() {
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Waits up to {@code drain} for the exchanges in flight (the gateway answers new ones 503 once it drains), then
   * closes the socket and the handler threads. JDK 17's {@code HttpServer.stop(delay)} waits the whole delay even
   * when nothing is in flight, so the wait is counted here and the server stopped with no delay.
   */
  public void stop(Duration drain) {
    long end = System.nanoTime() + drain.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn("{} REST requests still in flight after the drain timeout of {}; closing anyway", inFlight.get(),
          drain);
    }
    server.stop(0);
    pool.shutdown();
    try {
      pool.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange http) {
    inFlight.incrementAndGet();
    Exchange x = new Exchange(http);
    String route = "unknown";
    try {
      route = route(x);
    } catch (ApiException e) {
      x.error(e);
    } catch (UncheckedIOException e) {
      LOG.debug("client connection failed: {}", e.getMessage()); // the client went away: nobody to answer
    } catch (RuntimeException e) {
      x.error(gateway.map(e, null));
    } finally {
      http.close();
      inFlight.decrementAndGet();
      counters.count(route, Integer.toString(x.status()));
    }
  }

  /** Answers {@code x}; returns the route's name for the metrics. */
  private String route(Exchange x) {
    List<String> p = x.path();
    if (p.size() == 1 && p.get(0).equals("metrics")) {
      method(x, "GET");
      metrics(x);
      return "metrics";
    }
    if (p.isEmpty() || !p.get(0).equals("v2")) {
      throw notFound(x);
    }
    if (p.size() == 1) {
      method(x, "GET");
      x.json(200, Map.of("name", gateway.name(), "version", gateway.version(), "extensions", gateway.extensions()));
      return "server_metadata";
    }
    if (p.size() == 3 && p.get(1).equals("health") && (p.get(2).equals("live") || p.get(2).equals("ready"))) {
      method(x, "GET");
      Health h = gateway.health();
      boolean ok = p.get(2).equals("live") ? h.live() : h.ready();
      if (ok) {
        x.send(200, "application/json", new byte[0]);
      } else {
        x.error(new ApiException(ApiException.Kind.NOT_READY, "the server is not " + p.get(2) + ": "
            + String.join("; ", h.reasons())));
      }
      return "health_" + p.get(2);
    }
    if (p.size() == 3 && p.get(1).equals("jobs")) {
      method(x, "GET");
      job(x, p.get(2));
      return "job";
    }
    if (p.size() >= 3 && p.get(1).equals("models")) {
      String model = p.get(2);
      String version = null;
      int next = 3;
      if (p.size() >= 5 && p.get(3).equals("versions")) {
        version = p.get(4);
        next = 5;
      }
      String action = p.size() == next ? "" : p.size() == next + 1 ? p.get(next) : null;
      if ("".equals(action)) {
        method(x, "GET");
        modelMetadata(x, model, version);
        return "model_metadata";
      } else if ("ready".equals(action)) {
        method(x, "GET");
        if (gateway.modelReady(model, version)) {
          x.send(200, "application/json", new byte[0]);
        } else {
          x.error(new ApiException(ApiException.Kind.NOT_READY, "model '" + model + "' is not ready: "
              + String.join("; ", gateway.health().reasons())));
        }
        return "model_ready";
      } else if ("infer".equals(action)) {
        method(x, "POST");
        infer(x, model, version);
        return "infer";
      } else if ("jobs".equals(action)) {
        method(x, "POST");
        submitJob(x, model, version);
        return "job_submit";
      }
    }
    throw notFound(x);
  }

  private static ApiException notFound(Exchange x) {
    return new ApiException(ApiException.Kind.NOT_FOUND, "no route " + x.method() + " /" + String.join("/", x.path())
        + "; expected /v2, /v2/health/{live,ready}, /v2/models/{model}[/versions/{version}][/ready|/infer|/jobs],"
        + " /v2/jobs/{id} or /metrics");
  }

  private static void method(Exchange x, String expected) {
    if (!x.method().equals(expected)) {
      throw new ApiException(ApiException.Kind.METHOD_NOT_ALLOWED, x.method() + " /" + String.join("/", x.path())
          + " is not served; expected " + expected);
    }
  }

  private void metrics(Exchange x) {
    if (!(meters instanceof PrometheusMeterRegistry prometheus)) {
      throw new ApiException(ApiException.Kind.NOT_FOUND, "no Prometheus registry: the host was started with a "
          + meters.getClass().getSimpleName() + "; expected a PrometheusMeterRegistry");
    }
    x.send(200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape().getBytes(StandardCharsets.UTF_8));
  }

  private void modelMetadata(Exchange x, String model, String version) {
    ModelMetadata m = gateway.metadata(model, version);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", m.name());
    body.put("versions", m.versions());
    body.put("platform", m.platform());
    body.put("inputs", specs(m.inputs()));
    body.put("outputs", specs(m.outputs()));
    x.json(200, body);
  }

  private static List<Map<String, Object>> specs(List<TensorSpec> specs) {
    return specs.stream().map(s -> {
      Map<String, Object> m = new LinkedHashMap<>(); // the spec's field order, as other servers answer
      m.put("name", s.name());
      m.put("datatype", Datatypes.name(s.dtype()));
      m.put("shape", s.shape());
      return m;
    }).toList();
  }

  /** Reads, checks against the model and decodes a request body: what infer and jobs share. */
  private record Parsed(RestCodec.Request request, NamedTensors inputs) {}

  private Parsed parse(Exchange x, String model, String version) {
    byte[] body = x.body(gateway.limits().maxBodyBytes());
    int jsonLength = x.jsonLength(body.length);
    RestCodec.Request r = codec.parse(body, jsonLength);
    ModelSignature sig = gateway.signature(model, version);
    gateway.checkInputs(model, sig, r.headers());
    gateway.checkOutputs(model, sig, r.outputs().stream().map(RestCodec.RequestedOutput::name).toList());
    ByteBuffer binary = jsonLength < 0 ? ByteBuffer.allocate(0)
        : ByteBuffer.wrap(body, jsonLength, body.length - jsonLength);
    return new Parsed(r, codec.decode(r, binary));
  }

  private void infer(Exchange x, String model, String version) {
    Parsed p = parse(x, model, version);
    RequestOptions options = Gateway.options(x.timeout(), x.header(Exchange.IDEMPOTENCY_HEADER));
    InferenceResult result = gateway.infer(model, version, p.inputs(), options);
    RestCodec.Body out = codec.encode(p.request(), result);
    x.header(Exchange.REQUEST_ID_HEADER, result.requestId());
    if (out.binary()) {
      x.header(Exchange.HEADER_LENGTH, Integer.toString(out.jsonLength()));
      x.send(200, "application/octet-stream", out.bytes());
    } else {
      x.send(200, "application/json", out.bytes());
    }
  }

  private void submitJob(Exchange x, String model, String version) {
    Parsed p = parse(x, model, version);
    String id = gateway.jobs().submit(model, version, p.inputs(), x.header(Exchange.IDEMPOTENCY_HEADER),
        x.timeout());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("job_id", id);
    body.put("model_name", model);
    if (p.request().id() != null) {
      body.put("id", p.request().id());
    }
    body.put("status", "PENDING");
    x.header("Location", "/v2/jobs/" + id);
    x.json(202, body);
  }

  private void job(Exchange x, String id) {
    StoredRequest s = gateway.jobs().lookup(id);
    x.send(200, "application/json", JobJson.write(codec.factory(), s));
  }
}
