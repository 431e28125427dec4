package dev.deduce.samples.quickstart;

import dev.deduce.runtime.Durability;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The quickstart's command line, parsed and checked.
 *
 * @param store       store id: sqlite or cozo
 * @param models      the model repository folder
 * @param plugins     the plugins folder
 * @param data        where the store keeps its files
 * @param requests    requests to send
 * @param concurrency concurrent callers
 * @param durability  what is stored: NONE, RESULTS or DURABLE
 * @param help        whether --help was asked for
 */
record Options(String store, Path models, Path plugins, Path data, int requests, int concurrency,
    Durability durability, boolean help) {

  static final String SQLITE = "sqlite";
  static final String COZO = "cozo";
  static final int SQLITE_REQUESTS = 3_000;
  // Cozo runs as WebAssembly under Chicory: 12 ms or more per stored result with its HNSW index on, and every open
  // rebuilds the index from the snapshot (measured here under load: 600 stored results took 42 s to open)
  static final int COZO_REQUESTS = 200;
  static final int MAX_REQUESTS = 1_000_000;
  static final int MAX_CONCURRENCY = 1_024;

  static final String USAGE = String.join("\n",
      "usage: quickstart [options]",
      "",
      "Serves a ModelKit model (mlp-small, ONNX) through engine and store plugins, DURABLE by default, under",
      "concurrent load; prints throughput, latency and batch sizes, then queries what the store holds.",
      "",
      "  --store sqlite|cozo   the store plugin to keep requests and results in (default sqlite)",
      "  --models DIR          model repository folder; mlp-small/1 is written into it (default models)",
      "  --plugins DIR         folder holding the engine-onnx and store plugin zips (default plugins)",
      "  --data DIR            folder for the store's files; runs append to it (default data)",
      "  --requests N          requests to send, 1 to " + MAX_REQUESTS + " (default " + SQLITE_REQUESTS
          + " with sqlite, " + COZO_REQUESTS + " with cozo)",
      "  --concurrency N       concurrent callers, 1 to " + MAX_CONCURRENCY + " (default 16)",
      "  --durability none|results|durable",
      "                        what the store keeps: nothing, results after the answers, or each request before",
      "                        its answer (default durable); run each to see what durability costs",
      "  --help                print this and exit",
      "",
      "Exit code 0 when every request succeeded, 1 when any failed or the run could not start, 2 for bad options.");

  /** A bad command line: the message says what was wrong and what was expected. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static Options parse(String... args) throws UsageException {
    String store = SQLITE;
    Path models = Path.of("models");
    Path plugins = Path.of("plugins");
    Path data = Path.of("data");
    Integer requests = null;
    int concurrency = 16;
    Durability durability = Durability.DURABLE;
    boolean help = false;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "'; expected options starting with --");
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!List.of("--store", "--models", "--plugins", "--data", "--requests", "--concurrency", "--durability",
          "--help").contains(name)) {
        throw new UsageException("unknown option '" + name + "'; expected --store, --models, --plugins, --data,"
            + " --requests, --concurrency, --durability or --help");
      }
      if (!seen.add(name)) {
        throw new UsageException("option " + name + " is given twice; expected it at most once");
      }
      if (name.equals("--help")) {
        if (value != null) {
          throw new UsageException("--help takes no value; got '" + value + "'");
        }
        help = true;
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new UsageException("option " + name + " needs a value");
        }
        value = args[++i];
      }
      switch (name) {
        case "--store":
          store = value.toLowerCase(Locale.ROOT);
          if (!store.equals(SQLITE) && !store.equals(COZO)) {
            throw new UsageException("--store is '" + value + "'; expected sqlite or cozo");
          }
          break;
        case "--models":
          models = folder(name, value);
          break;
        case "--plugins":
          plugins = folder(name, value);
          break;
        case "--data":
          data = folder(name, value);
          break;
        case "--requests":
          requests = number(name, value, MAX_REQUESTS);
          break;
        case "--durability":
          durability = durability(value);
          break;
        default:
          concurrency = number(name, value, MAX_CONCURRENCY);
          break;
      }
    }
    int n = requests != null ? requests : store.equals(COZO) ? COZO_REQUESTS : SQLITE_REQUESTS;
    return new Options(store, models, plugins, data, n, concurrency, durability, help);
  }

  private static Durability durability(String value) throws UsageException {
    for (Durability d : Durability.values()) {
      if (d.name().equalsIgnoreCase(value.strip())) {
        return d;
      }
    }
    throw new UsageException("--durability is '" + value + "'; expected none, results or durable");
  }

  private static Path folder(String name, String value) throws UsageException {
    if (value.isBlank()) {
      throw new UsageException(name + " is empty; expected a folder");
    }
    try {
      return Path.of(value);
    } catch (java.nio.file.InvalidPathException e) {
      throw new UsageException(name + " is '" + value + "', which is not a valid path: " + e.getReason());
    }
  }

  private static int number(String name, String value, int max) throws UsageException {
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the range
    }
    throw new UsageException(name + " is '" + value + "'; expected a whole number from 1 to " + max);
  }
}
