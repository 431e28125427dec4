package dev.deduce.server;

import dev.deduce.host.DeduceHost;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts a {@link DeduceServer} from a config file and flags, and serves until the JVM is asked to stop. */
public final class ServerMain {

  private static final Logger LOG = LoggerFactory.getLogger(ServerMain.class);

  static final String USAGE = String.join("\n",
      "usage: java -cp ... dev.deduce.server.ServerMain [options]",
      "  --config FILE        a HOCON file with deduce { ... } (runtime) and deduce-server { ... } (server) keys",
      "  --models DIR         model repository folder, <model>/<version>/model.conf (deduce.repository.dir)",
      "  --plugins DIR        engine and store plugins folder (deduce.plugins.dir)",
      "  --store ID           store provider id, e.g. sqlite (deduce.store.id)",
      "  --data PATH          the store's file or folder (deduce.store.location)",
      "  --durability MODE    NONE, RESULTS or DURABLE (deduce.durability); jobs need DURABLE",
      "  --host ADDRESS       address to bind (deduce-server.host, default 127.0.0.1)",
      "  --rest-port N        REST port (deduce-server.rest-port, default 8000; 0 = any free port)",
      "  --grpc-port N        gRPC port (deduce-server.grpc-port, default 8001; 0 = any free port)",
      "  --help               this text");

  private ServerMain() {}

  /** Starts the server; exit code 2 and the usage on a bad option. */
  public static void main(String[] args) throws InterruptedException {
    Map<String, String> opts;
    try {
      opts = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (opts.containsKey("help")) {
      System.out.println(USAGE);
      return;
    }
    DeduceServer server;
    try {
      server = start(opts);
    } catch (IllegalArgumentException | IllegalStateException e) {
      LOG.error("cannot start: {}", e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "deduce-server-shutdown"));
    stopped.await();
  }

  static Map<String, String> parse(String[] args) {
    List<String> known = List.of("config", "models", "plugins", "store", "data", "durability", "host", "rest-port",
        "grpc-port");
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help")) {
        opts.put("help", "");
        continue;
      }
      String name = a.startsWith("--") ? a.substring(2) : "";
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown option '" + a + "'; expected one of --" + String.join(", --", known)
            + " or --help");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      opts.put(name, args[++i]);
    }
    return opts;
  }

  /** Starts the host (one log line per step) and the server from parsed options. */
  static DeduceServer start(Map<String, String> opts) {
    Optional<Path> config = Optional.ofNullable(opts.get("config")).map(Path::of);
    RuntimeSettings runtimeSettings = config.map(RuntimeSettings::load).orElseGet(RuntimeSettings::load);
    ServerSettings s = config.map(ServerSettings::load).orElseGet(ServerSettings::load);
    if (opts.containsKey("host")) {
      s = s.withHost(opts.get("host"));
    }
    s = s.withPorts(port(opts, "rest-port", s.restPort()), port(opts, "grpc-port", s.grpcPort()));
    LOG.info("settings {}", config.map(p -> "from " + p).orElse("from defaults and system properties"));

    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DeduceHost.Builder b = DeduceHost.builder().settings(runtimeSettings).meterRegistry(meters);
    Optional.ofNullable(opts.get("plugins")).map(Path::of).ifPresent(b::pluginsDir);
    Path models = Optional.ofNullable(opts.get("models")).map(Path::of).or(runtimeSettings::modelsDir).orElse(null);
    if (models != null) {
      b.modelsDir(models);
    }
    if (opts.containsKey("store")) {
      Path data = Optional.ofNullable(opts.get("data")).map(Path::of).or(runtimeSettings::storeLocation)
          .orElseThrow(() -> new IllegalArgumentException("--store " + opts.get("store") + " needs --data PATH, the"
              + " store's file or folder"));
      b.store(opts.get("store"), data, runtimeSettings.storeOptions());
    }
    if (opts.containsKey("durability")) {
      try {
        b.durability(Durability.valueOf(opts.get("durability").toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--durability is '" + opts.get("durability") + "'; expected NONE,"
            + " RESULTS or DURABLE");
      }
    }
    DeduceHost host = b.start();
    try {
      String storeId = Optional.ofNullable(opts.get("store")).or(runtimeSettings::storeId).orElse("");
      host.startup().forEach(st -> LOG.info("{} started in {} ms{}", st.name(), st.took().toMillis(),
          detail(host, st.name(), storeId)));
      DeduceServer server = DeduceServer.start(host, s, models);
      LOG.info("ready: {}, durability {}", host.health().ready() ? "every model serving"
          : "NOT ready (" + String.join("; ", host.health().reasons()) + ")", host.runtime().durability());
      return server;
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  private static String detail(DeduceHost host, String stage, String storeId) {
    switch (stage) {
      case "plugins":
        return ": engines " + host.runtime().engineFormats().keySet();
      case "store":
        return host.store().map(x -> ": " + storeId + ", " + host.runtime().recovering()
            + " PENDING requests to recover").orElse(": none");
      case "repository":
        return host.repository().map(r -> ": models " + r.models()).orElse(": none");
      default:
        return "";
    }
  }

  private static int port(Map<String, String> opts, String key, int fallback) {
    String v = opts.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " is '" + v + "'; expected a port number, 0 to 65535");
    }
  }
}
