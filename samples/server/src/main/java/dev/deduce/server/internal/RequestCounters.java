package dev.deduce.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One protocol's {@link RestServer#SERVER_REQUESTS} counters by route and status, each registered once: a
 * registration per request cost a meter-id build and a registry lookup on every call.
 */
public final class RequestCounters {

  private final MeterRegistry meters;
  private final String protocol;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  /** Counters tagged {@code protocol}, registered in {@code meters}. */
  public RequestCounters(MeterRegistry meters, String protocol) {
    this.meters = meters;
    this.protocol = protocol;
  }

  /** Counts one request on {@code route} that ended with {@code status}. */
  public void count(String route, String status) {
    counters.computeIfAbsent(route + ' ' + status, k -> Counter.builder(RestServer.SERVER_REQUESTS)
        .tag("protocol", protocol).tag("route", route).tag("status", status).register(meters)).increment();
  }
}
