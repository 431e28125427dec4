package dev.deduce.perf.sla;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.MaxValuesExceededException;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/** The command line as picocli parses it; converters check each path as it is read. */
@Command(name = "SlaMain", synopsisHeading = "usage: ",
    customSynopsis = {"SlaMain --models DIR --sla FILE|DIR [--plugins DIR] [--config FILE] [--out DIR]"
        + " [--log-level LEVEL]",
        "       SlaMain compare BASE.json NEW.json [--max-regression PERCENT] [--out DIR]",
        "       SlaMain tune --models DIR --sla FILE [--budget DURATION] [--plugins DIR] [--config FILE] [--out DIR]"},
    optionListHeading = "%n", footerHeading = "%n",
    footer = "exit status: 0 every SLA met, 1 an SLA missed, 2 usage or setup error",
    sortOptions = false, usageHelpWidth = 118)
final class SlaOptions {
  @Option(names = "--models", paramLabel = "DIR", converter = Folder.class, description = "a model repository:"
      + " DIR/<name>/<version>/ with a model.conf naming engine and file (DIR/<name>/model.conf may hold what"
      + " every version shares), or, in the simple layout, with no model.conf and one model file whose extension"
      + " picks the format (.onnx -> onnx, .dgraph -> the reference engine, otherwise the extension is the format id)")
  Path models;

  @Option(names = "--sla", paramLabel = "FILE|DIR", converter = SlaFiles.class,
      description = "one SLA file (HOCON .conf or .json), or a folder of them")
  Path sla;

  @Option(names = "--plugins", paramLabel = "DIR", converter = Folder.class,
      description = "PF4J plugins folder (.jar, .zip) to take engines from, besides the classpath")
  Path plugins;

  @Option(names = "--config", paramLabel = "FILE", converter = ConfigFile.class, description = "Deduce runtime"
      + " config (HOCON) with per-model serving settings, e.g. deduce.models.<name> { batching.max-size = 16,"
      + " instances = 2 }")
  Path config;

  @Option(names = "--out", paramLabel = "DIR", converter = ReportsFolder.class,
      description = "where sla-results.json, sla-report.html and TEST-sla-<name>.xml go (default: sla-results)")
  Path out = Path.of("sla-results");

  @Option(names = "--log-level", paramLabel = "LEVEL", converter = LogLevel.class, description = "how much Deduce"
      + " and the plugins log: off, error, warn, info or debug (default: warn); ONNX Runtime's own log is the model"
      + " option log-severity")
  String logLevel = Logging.DEFAULT;

  @Option(names = {"--help", "-h"}, usageHelp = true, arity = "0", description = "this text")
  boolean help;

  /** The options in {@code args}; an IllegalArgumentException says what was wrong and what was expected. */
  static SlaOptions parse(String[] args) {
    CommandLine cli = commandLine("=");
    try {
      cli.parseArgs(args);
    } catch (ParameterException e) {
      throw new IllegalArgumentException(message(e, args), e);
    }
    // with --help present picocli collects unknown arguments instead of rejecting them; they are still mistakes
    if (!cli.getUnmatchedArguments().isEmpty()) {
      throw new IllegalArgumentException(unmatched(cli.getUnmatchedArguments().get(0)));
    }
    SlaOptions o = cli.getCommand();
    // checked here rather than with picocli's required = true, whose error reads like a missing value
    if (!o.help && (o.models == null || o.sla == null)) {
      throw new IllegalArgumentException("missing " + (o.models == null ? "--models" : "--sla")
          + "; expected both --models DIR and --sla FILE|DIR");
    }
    return o;
  }

  static String usage() {
    return commandLine(" ").getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
  }

  /** {@code --sla=FILE} and {@code --sla FILE} both parse; the usage shows the second form. */
  private static CommandLine commandLine(String separator) {
    return new CommandLine(new SlaOptions()).setSeparator(separator).setExpandAtFiles(false)
        // "--models --sla x" is a missing value, not a folder named "--sla"
        .setUnmatchedOptionsAllowedAsOptionParameters(false);
  }

  /** Picocli's parse error in SlaMain's words: what was wrong and what was expected. */
  private static String message(ParameterException e, String[] args) {
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      return unmatched(u.getUnmatched().get(0));
    }
    if (e instanceof MissingParameterException m && m.getMissing().size() == 1
        && m.getMissing().get(0) instanceof OptionSpec o) {
      String expected = o.converters().length > 0 && o.converters()[0] instanceof PathValue v ? v.expected : "a value";
      return o.longestName() + " needs a value; expected " + o.longestName() + " " + expected;
    }
    if (e instanceof OverwrittenOptionException o && o.getOverwritten() instanceof OptionSpec spec) {
      return spec.longestName() + " is given twice; expected it once";
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
    if (e.getCause() instanceof TypeConversionException t && e.getArgSpec() instanceof OptionSpec o) {
      // the converters say what was wrong with the value; the option's name goes first
      return o.longestName() + " " + t.getMessage();
    }
    return e.getMessage();
  }

  private static String unmatched(String arg) {
    if (!arg.startsWith("-")) {
      return "unexpected argument '" + arg + "'; expected options starting with --";
    }
    return "unknown option '" + arg + "'; expected --models, --sla, --plugins, --config, --out, --log-level or"
        + " --help";
  }

  /** A path option's value: not empty, a valid path, and what {@link #problem} accepts. */
  abstract static class PathValue implements ITypeConverter<Path> {
    final String expected;

    PathValue(String expected) {
      this.expected = expected;
    }

    @Override
    public Path convert(String value) {
      if (value.isBlank()) {
        throw new TypeConversionException("is empty; expected " + expected);
      }
      Path p;
      try {
        p = Path.of(value);
      } catch (InvalidPathException e) {
        throw new TypeConversionException("'" + value + "' is not a valid path; expected " + expected);
      }
      String problem = problem(p);
      if (problem != null) {
        throw new TypeConversionException(p + " " + problem + "; expected " + expected);
      }
      return p;
    }

    /** What is wrong with {@code p}, or null when it will do. */
    abstract String problem(Path p);
  }

  /** {@code --models}, {@code --plugins}: an existing folder. */
  static final class Folder extends PathValue {
    Folder() {
      super("a folder");
    }

    @Override
    String problem(Path p) {
      return !Files.exists(p) ? "does not exist" : Files.isDirectory(p) ? null : "is not a folder";
    }
  }

  /** {@code --sla}: an existing file or folder. */
  static final class SlaFiles extends PathValue {
    SlaFiles() {
      super("an SLA file or a folder of them");
    }

    @Override
    String problem(Path p) {
      return Files.exists(p) ? null : "does not exist";
    }
  }

  /** {@code --config}: an existing file. */
  static final class ConfigFile extends PathValue {
    ConfigFile() {
      super("a runtime config file");
    }

    @Override
    String problem(Path p) {
      return !Files.exists(p) ? "does not exist" : Files.isRegularFile(p) ? null : "is not a file";
    }
  }

  /** {@code --out}: a folder, created if missing. */
  static final class ReportsFolder extends PathValue {
    ReportsFolder() {
      super("a folder for the reports");
    }

    @Override
    String problem(Path p) {
      return Files.isRegularFile(p) ? "is a file" : null;
    }
  }

  /** {@code --log-level}: one of {@link Logging#LEVELS}, any case. */
  static final class LogLevel implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String level = value.trim().toLowerCase(java.util.Locale.ROOT);
      if (!Logging.LEVELS.contains(level)) {
        throw new TypeConversionException("is '" + value + "'; expected one of " + Logging.LEVELS);
      }
      return level;
    }
  }
}
