package dev.deduce.perf.tune.internal;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.deduce.api.DeduceException;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult;
import dev.deduce.perf.tune.Tuner;
import dev.deduce.plugin.PluginHostException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code SlaMain tune}: the tuner from the command line. Exit status 0 when a setting met the SLA (its fragment is
 * printed and written), 1 when none did or no measurement stabilised, 2 on a usage or setup error.
 */
@Command(name = "SlaMain tune", synopsisHeading = "usage: ",
    customSynopsis = "SlaMain tune --models DIR --sla FILE [--budget DURATION] [--plugins DIR] [--config FILE]"
        + " [--out DIR]",
    optionListHeading = "%n", footerHeading = "%n",
    footer = "exit status: 0 a setting met the SLA, 1 none did (or no measurement stabilised), 2 usage or setup error",
    sortOptions = false, usageHelpWidth = 118)
public final class TuneCommand {

  @Option(names = "--models", paramLabel = "DIR", description = "the model repository holding the model the SLA"
      + " names: DIR/<name>/<version>/model.conf (only read; candidates are served from a private copy)")
  Path models;

  @Option(names = "--sla", paramLabel = "FILE", description = "the SLA file (HOCON .conf or .json): its concurrency,"
      + " batch and targets are what the settings must meet; its warm-up, window and stability how each is measured")
  Path sla;

  @Option(names = "--budget", paramLabel = "DURATION", converter = Budget.class,
      description = "the most time the run may take, e.g. 90s or 10m (default 10m)")
  Duration budget = Duration.ofMinutes(10);

  @Option(names = "--plugins", paramLabel = "DIR", description = "PF4J plugins folder to take engines from")
  Path plugins;

  @Option(names = "--config", paramLabel = "FILE", description = "Deduce runtime config the model.conf layers over")
  Path config;

  @Option(names = "--out", paramLabel = "DIR",
      description = "where tune-results.json, tune-report.html and tuned-model.conf go (default: tune-results)")
  Path out = Path.of("tune-results");

  @Option(names = {"--help", "-h"}, usageHelp = true, description = "this text")
  boolean help;

  /** Runs {@code SlaMain tune} with {@code args} (after the word tune); returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    TuneCommand c = new TuneCommand();
    CommandLine cli = new CommandLine(c).setSeparator(" ").setExpandAtFiles(false)
        .setUnmatchedOptionsAllowedAsOptionParameters(false);
    String usage = cli.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
    try {
      cli.parseArgs(args);
      if (c.help) {
        out.println(usage);
        return 0;
      }
      if (c.models == null || c.sla == null) {
        throw new IllegalArgumentException("missing " + (c.models == null ? "--models" : "--sla")
            + "; expected both --models DIR and --sla FILE");
      }
    } catch (ParameterException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(usage);
      return 2;
    }
    try {
      TuneResult r = Tuner.builder(c.models, SlaSpec.parse(c.sla)).budget(c.budget).plugins(c.plugins)
          .config(c.config).progress(out::println).build().run();
      out.println("outcome: " + r.outcome() + ": " + r.summary());
      out.println(String.format(java.util.Locale.ROOT, "measured on this machine: %d cores, load average %.2f at"
          + " start and %.2f at end; %d settings measured of %d in the full grid, in %.0f s", r.cores(),
          r.loadAtStart(), r.loadAtEnd(), r.candidates().size(), r.gridSize(), r.elapsed().toNanos() / 1e9));
      r.notes().forEach(n -> out.println("  note: " + n));
      out.println("reports: " + r.write(c.out));
      r.fragment().ifPresent(f -> out.println("model.conf fragment:\n" + f));
      return r.outcome() == TuneResult.Outcome.MET ? 0 : 1;
    } catch (IllegalArgumentException | IllegalStateException | DeduceException | PluginHostException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("error: cannot write the reports to " + c.out + ": " + e.getMessage());
      return 2;
    }
  }

  /** {@code --budget}: a HOCON duration of a second or more. */
  static final class Budget implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d;
      try {
        d = ConfigFactory.parseString("d = \"" + value.replace("\"", "") + "\"").getDuration("d");
      } catch (ConfigException e) {
        throw new TypeConversionException("'" + value + "' is not a duration; expected e.g. 90s or 10m");
      }
      if (d.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new TypeConversionException("'" + value + "' is under a second; expected e.g. 90s or 10m");
      }
      return d;
    }
  }
}
