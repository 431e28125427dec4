package dev.deduce.perf.sla;

import dev.deduce.api.DeduceException;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The SLA runner's command line: serves the models the SLA files name from a model repository, with engines from a
 * PF4J plugins folder and the classpath, drives each one, writes JSON, JUnit XML and an HTML report, and exits 0 when
 * every SLA is met, 1 when one is missed and 2 on a usage or setup error.
 */
public final class SlaMain {

  static final int MET = 0;
  static final int MISSED = 1;
  static final int USAGE = 2;

  /** The usage text picocli renders from {@link SlaOptions}' annotations. */
  static final String USAGE_TEXT = SlaOptions.usage();

  private SlaMain() {
  }

  /** Runs the SLAs and exits with the status described above. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the SLAs as {@link #main} does, printing to {@code out} and {@code err}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("compare")) {
      return SlaCompare.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    if (args.length > 0 && args[0].equals("tune")) {
      return dev.deduce.perf.tune.internal.TuneCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out,
          err);
    }
    SlaOptions o;
    try {
      o = SlaOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    if (o.help) {
      out.println(USAGE_TEXT);
      return MET;
    }
    Logging.apply(o.logLevel);
    List<SlaSpec> specs;
    RuntimeSettings settings;
    try {
      specs = SlaSpec.load(o.sla);
      settings = o.config == null ? RuntimeSettings.load() : RuntimeSettings.load(o.config);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    }
    List<SlaResult> results = new ArrayList<>();
    try (SlaSession session = SlaSession.open(o.models, specs, o.plugins, settings, out, err)) {
      for (SlaSpec spec : specs) {
        results.add(session.run(spec));
      }
    } catch (IllegalArgumentException | IllegalStateException | DeduceException | PluginHostException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    }
    try {
      List<Path> files = new ArrayList<>(SlaReports.write(results, o.out));
      files.add(HtmlReport.write(results, specs, o.out.resolve("sla-report.html")));
      out.println("reports: " + files);
    } catch (IOException e) {
      err.println("error: cannot write reports to " + o.out + ": " + e.getMessage());
      return USAGE;
    }
    boolean met = results.stream().allMatch(SlaResult::passed);
    out.println(met ? "every SLA met" : "SLA missed: " + results.stream().filter(r -> !r.passed())
        .map(SlaResult::name).toList());
    return met ? MET : MISSED;
  }
}
