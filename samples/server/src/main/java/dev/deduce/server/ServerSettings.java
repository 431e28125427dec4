package dev.deduce.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.deduce.server.internal.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The server's settings, the {@code deduce-server} block of its {@code reference.conf}, a config file and system
 * properties.
 *
 * @param host           the address both listeners bind
 * @param restPort       the REST port (0: any free one)
 * @param grpcPort       the gRPC port (0: any free one)
 * @param restThreads    REST handler threads
 * @param restQueue      REST exchanges queued for the handler threads
 * @param grpcThreads    gRPC handler threads
 * @param drainTimeout   how long shutdown waits for requests in flight
 * @param jobDeadline    a job's deadline when the client gives none
 * @param maxBodyBytes   bytes of one request body or message
 * @param maxJsonDepth   nesting depth of a JSON body
 * @param maxElements    elements of one tensor
 * @param maxBytesLength bytes of one BYTES element
 */
public record ServerSettings(String host, int restPort, int grpcPort, int restThreads, int restQueue, int grpcThreads,
    Duration drainTimeout, Duration jobDeadline, long maxBodyBytes, int maxJsonDepth, long maxElements,
    int maxBytesLength) {

  /** Checks ports and counts. */
  public ServerSettings {
    check("rest-port", restPort, 0, 65535);
    check("grpc-port", grpcPort, 0, 65535);
    check("rest-threads", restThreads, 1, 10_000);
    check("rest-queue", restQueue, 1, 1_000_000);
    check("grpc-threads", grpcThreads, 1, 10_000);
    check("limits.max-json-depth", maxJsonDepth, 1, 10_000);
    check("limits.max-bytes-length", maxBytesLength, 1, Integer.MAX_VALUE);
    if (maxBodyBytes < 1 || maxElements < 1 || drainTimeout.isNegative() || jobDeadline.isNegative()
        || jobDeadline.isZero()) {
      throw new IllegalArgumentException("deduce-server: max-body-bytes and max-elements must be 1 or more and"
          + " job-deadline positive, got " + maxBodyBytes + ", " + maxElements + ", " + jobDeadline);
    }
  }

  private static void check(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException("deduce-server." + key + " is " + v + "; expected " + min + " to " + max);
    }
  }

  /** The defaults, with system properties over them. */
  public static ServerSettings load() {
    return from(ConfigFactory.load());
  }

  /** {@code file} over the defaults, with system properties over both. */
  public static ServerSettings load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("config file " + file + " does not exist; expected a HOCON or JSON file");
    }
    return from(ConfigFactory.systemProperties().withFallback(ConfigFactory.parseFile(file.toFile()))
        .withFallback(ConfigFactory.load()).resolve());
  }

  /** Reads the {@code deduce-server} block of {@code c}. */
  public static ServerSettings from(Config c) {
    try {
      Config s = c.getConfig("deduce-server");
      Config l = s.getConfig("limits");
      return new ServerSettings(s.getString("host"), s.getInt("rest-port"), s.getInt("grpc-port"),
          s.getInt("rest-threads"), s.getInt("rest-queue"), s.getInt("grpc-threads"), s.getDuration("drain-timeout"),
          s.getDuration("job-deadline"), l.getBytes("max-body-bytes"), l.getInt("max-json-depth"),
          l.getLong("max-elements"), Math.toIntExact(l.getBytes("max-bytes-length")));
    } catch (ConfigException | ArithmeticException e) {
      throw new IllegalArgumentException("deduce-server settings: " + e.getMessage(), e);
    }
  }

  /** These settings on {@code restPort} and {@code grpcPort}. */
  public ServerSettings withPorts(int rest, int grpc) {
    return new ServerSettings(host, rest, grpc, restThreads, restQueue, grpcThreads, drainTimeout, jobDeadline,
        maxBodyBytes, maxJsonDepth, maxElements, maxBytesLength);
  }

  /** These settings bound to {@code address}. */
  public ServerSettings withHost(String address) {
    return new ServerSettings(address, restPort, grpcPort, restThreads, restQueue, grpcThreads, drainTimeout,
        jobDeadline, maxBodyBytes, maxJsonDepth, maxElements, maxBytesLength);
  }

  /** These settings with other request limits. */
  public ServerSettings withLimits(long bodyBytes, int jsonDepth, long elements, int bytesLength) {
    return new ServerSettings(host, restPort, grpcPort, restThreads, restQueue, grpcThreads, drainTimeout,
        jobDeadline, bodyBytes, jsonDepth, elements, bytesLength);
  }

  Limits limits() {
    return new Limits(maxBodyBytes, maxJsonDepth, maxElements, maxBytesLength);
  }
}
