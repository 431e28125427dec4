package dev.deduce.samples.quickstart;

import java.nio.file.InvalidPathException;
import dev.deduce.runtime.Durability;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.MaxValuesExceededException;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

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
  // the same as SQLite's since Cozo runs on wasmtime, indexes in the background and opens in bounded time
  static final int COZO_REQUESTS = SQLITE_REQUESTS;
  static final int MAX_REQUESTS = 1_000_000;
  static final int MAX_CONCURRENCY = 1_024;

  /** The usage text picocli renders from {@link Cli}'s annotations. */
  static final String USAGE = usage();

  /** A bad command line: the message says what was wrong and what was expected. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** The options as picocli fills them; {@link #parse} turns them into an {@link Options}. */
  @Command(name = "quickstart", synopsisHeading = "usage: ", customSynopsis = "quickstart [options]",
      descriptionHeading = "%n", description = {
          "Serves a ModelKit model (mlp-small, ONNX) through engine and store plugins, in DURABLE mode, under"
              + " concurrent load; prints throughput, latency and batch sizes, then queries what the store holds."},
      optionListHeading = "%n", footerHeading = "%n", footer = {
          "Exit code 0 when every request succeeded, 1 when any failed or the run could not start, 2 for bad"
              + " options."},
      sortOptions = false, usageHelpWidth = 110)
  static final class Cli {
    @Option(names = "--store", paramLabel = "sqlite|cozo", converter = StoreId.class,
        description = "the store plugin to keep requests and results in (default " + SQLITE + ")")
    String store = SQLITE;

    @Option(names = "--models", paramLabel = "DIR", converter = Folder.class,
        description = "model repository folder; mlp-small/1 is written into it (default models)")
    Path models = Path.of("models");

    @Option(names = "--plugins", paramLabel = "DIR", converter = Folder.class,
        description = "folder holding the engine-onnx and store plugin zips (default plugins)")
    Path plugins = Path.of("plugins");

    @Option(names = "--data", paramLabel = "DIR", converter = Folder.class,
        description = "folder for the store's files; runs append to it (default data)")
    Path data = Path.of("data");

    @Option(names = "--requests", paramLabel = "N", converter = RequestCount.class,
        description = "requests to send, 1 to " + MAX_REQUESTS + " (default " + SQLITE_REQUESTS + " with sqlite, "
            + COZO_REQUESTS + " with cozo)")
    Integer requests;

    @Option(names = "--concurrency", paramLabel = "N", converter = CallerCount.class,
        description = "concurrent callers, 1 to " + MAX_CONCURRENCY + " (default 16)")
    int concurrency = 16;

    @Option(names = "--durability", paramLabel = "none|results|durable", converter = DurabilityMode.class,
        description = "what the store keeps: nothing, results after the answers, or each request before its answer"
            + " (default durable); run each to see what durability costs")
    Durability durability = Durability.DURABLE;

    @Option(names = "--help", usageHelp = true, arity = "0", description = "print this and exit")
    boolean help;
  }

  static Options parse(String... args) throws UsageException {
    CommandLine cli = commandLine("=");
    try {
      cli.parseArgs(args);
    } catch (ParameterException e) {
      throw new UsageException(message(e, args));
    }
    // with --help present picocli collects unknown arguments instead of rejecting them; they are still mistakes
    if (!cli.getUnmatchedArguments().isEmpty()) {
      throw new UsageException(unmatched(cli.getUnmatchedArguments().get(0)));
    }
    Cli c = cli.getCommand();
    int n = c.requests != null ? c.requests : c.store.equals(COZO) ? COZO_REQUESTS : SQLITE_REQUESTS;
    return new Options(c.store, c.models, c.plugins, c.data, n, c.concurrency, c.durability, c.help);
  }

  /** Both {@code --store=cozo} and {@code --store cozo} parse; the usage shows the second form. */
  private static CommandLine commandLine(String separator) {
    return new CommandLine(new Cli())
        .setSeparator(separator)
        .setExpandAtFiles(false)
        // "--store --requests 5" is a missing value, not a store named "--requests"
        .setUnmatchedOptionsAllowedAsOptionParameters(false);
  }

  private static String usage() {
    return commandLine(" ").getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
  }

  /** Picocli's parse error in the quickstart's words: what was wrong and what was expected. */
  private static String message(ParameterException e, String... args) {
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      return unmatched(u.getUnmatched().get(0));
    }
    if (e instanceof MissingParameterException m && m.getMissing().size() == 1) {
      return "option " + name(m.getMissing().get(0)) + " needs a value";
    }
    if (e instanceof OverwrittenOptionException o) {
      return "option " + name(o.getOverwritten()) + " is given twice; expected it at most once";
    }
    if (e instanceof MaxValuesExceededException) {
      // picocli names neither the option nor the value here: find the flag given one, as in --help=yes
      for (String arg : args) {
        int eq = arg.indexOf('=');
        OptionSpec flag = eq > 0 ? e.getCommandLine().getCommandSpec().findOption(arg.substring(0, eq)) : null;
        if (flag != null && flag.arity().max() == 0) {
          return flag.longestName() + " takes no value; got '" + arg.substring(eq + 1) + "'";
        }
      }
    }
    if (e.getCause() instanceof TypeConversionException t && e.getArgSpec() != null) {
      // the converters below say what was wrong with the value; the option's name goes first
      return name(e.getArgSpec()) + " " + t.getMessage();
    }
    return e.getMessage();
  }

  private static String unmatched(String arg) {
    if (!arg.startsWith("--")) {
      return "unexpected argument '" + arg + "'; expected options starting with --";
    }
    int eq = arg.indexOf('=');
    return "unknown option '" + (eq > 0 ? arg.substring(0, eq) : arg) + "'; expected --store, --models, --plugins,"
        + " --data, --requests, --concurrency or --help";
  }

  private static String name(ArgSpec spec) {
    return spec instanceof OptionSpec o ? o.longestName() : spec.paramLabel();
  }

  /** sqlite or cozo, in any case. */
  static final class StoreId implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String store = value.toLowerCase(Locale.ROOT);
      if (!List.of(SQLITE, COZO).contains(store)) {
        throw new TypeConversionException("is '" + value + "'; expected sqlite or cozo");
      }
      return store;
    }
  }

  /** none, results or durable, in any case. */
  static final class DurabilityMode implements ITypeConverter<Durability> {
    @Override
    public Durability convert(String value) {
      for (Durability d : Durability.values()) {
        if (d.name().equalsIgnoreCase(value.strip())) {
          return d;
        }
      }
      throw new TypeConversionException("is '" + value + "'; expected none, results or durable");
    }
  }

  /** A non-empty, valid path. */
  static final class Folder implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      if (value.isBlank()) {
        throw new TypeConversionException("is empty; expected a folder");
      }
      try {
        return Path.of(value);
      } catch (InvalidPathException e) {
        throw new TypeConversionException("is '" + value + "', which is not a valid path: " + e.getReason());
      }
    }
  }

  /** A whole number from 1 to a maximum. */
  abstract static class Count implements ITypeConverter<Integer> {
    private final int max;

    Count(int max) {
      this.max = max;
    }

    @Override
    public Integer convert(String value) {
      try {
        int n = Integer.parseInt(value.strip());
        if (n >= 1 && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below with the range
      }
      throw new TypeConversionException("is '" + value + "'; expected a whole number from 1 to " + max);
    }
  }

  /** {@code --requests}: 1 to {@link #MAX_REQUESTS}. */
  static final class RequestCount extends Count {
    RequestCount() {
      super(MAX_REQUESTS);
    }
  }

  /** {@code --concurrency}: 1 to {@link #MAX_CONCURRENCY}. */
  static final class CallerCount extends Count {
    CallerCount() {
      super(MAX_CONCURRENCY);
    }
  }
}
