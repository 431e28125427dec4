package dev.deduce.server;

import dev.deduce.host.DeduceHost;
import dev.deduce.server.internal.Gateway;
import dev.deduce.server.internal.RestServer;
import dev.deduce.server.internal.grpc.GrpcMethods;
import dev.deduce.server.internal.grpc.GrpcServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network server over a {@link DeduceHost}: the Open Inference Protocol (KServe v2) over REST, with the binary
 * tensor extension, and over gRPC ({@code inference.GRPCInferenceService}); durable jobs; Prometheus metrics when
 * the host's meter registry is a {@code PrometheusMeterRegistry}. Closing it drains and closes the host.
 */
public final class DeduceServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeduceServer.class);

  private final DeduceHost host;
  private final ServerSettings settings;
  private final Gateway gateway;
  private final RestServer rest;
  private final GrpcServer grpc;
  private boolean closed;

  private DeduceServer(DeduceHost host, ServerSettings settings, Path models) {
    this.host = host;
    this.settings = settings;
    this.gateway = new Gateway(host, settings.limits(), models, settings.jobDeadline(), version());
    RestServer r = new RestServer(gateway, settings.host(), settings.restPort(), settings.restThreads(),
        settings.restQueue());
    GrpcServer g;
    try {
      g = new GrpcServer(gateway, settings.host(), settings.grpcPort(), settings.grpcThreads());
      r.start();
      LOG.info("REST  listening on http://{}:{}/v2", settings.host(), r.port());
      g.start();
      LOG.info("gRPC  listening on {}:{} ({})", settings.host(), g.port(), GrpcMethods.SERVICE);
    } catch (RuntimeException e) {
      r.stop(java.time.Duration.ZERO);
      throw e;
    }
    this.rest = r;
    this.grpc = g;
  }

  /** Starts serving {@code host} with {@code settings}; platform names are read from the host's models folder. */
  public static DeduceServer start(DeduceHost host, ServerSettings settings) {
    return start(host, settings, host.settings().modelsDir().orElse(null));
  }

  /** As {@link #start(DeduceHost, ServerSettings)}, reading platform names from {@code models} (null: none). */
  public static DeduceServer start(DeduceHost host, ServerSettings settings, Path models) {
    return new DeduceServer(Objects.requireNonNull(host, "host must not be null"),
        Objects.requireNonNull(settings, "settings must not be null"), models);
  }

  /** The bound REST port. */
  public int restPort() {
    return rest.port();
  }

  /** The bound gRPC port. */
  public int grpcPort() {
    return grpc.port();
  }

  public DeduceHost host() {
    return host;
  }

  /**
   * Graceful shutdown: stops taking new requests (they get 503 / UNAVAILABLE), lets those in flight finish for up to
   * the drain timeout, closes both listeners, then closes the host (which drains the runtime and flushes the store).
   * Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("shutting down: draining requests in flight for up to {}", settings.drainTimeout());
    gateway.beginDrain();
    try {
      grpc.shutdown(); // both listeners drain at once, so shutdown takes one drain timeout, not two
      rest.stop(settings.drainTimeout());
      grpc.stop(settings.drainTimeout());
      LOG.info("listeners closed");
    } finally {
      host.close();
    }
  }

  /** This server's version, from the build. */
  public static String version() {
    try (InputStream in = DeduceServer.class.getResourceAsStream("/deduce-server.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
