package dev.deduce.perf.sla;

import dev.deduce.api.DeduceException;
import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.host.DeduceHost;
import dev.deduce.plugin.PluginHostException;
import dev.deduce.plugin.PluginProblem;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.repository.ModelRepository;
import dev.deduce.repository.RepositoryProblem;
import dev.deduce.runtime.RuntimeSettings;
import dev.deduce.spi.ModelSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The SLA runner's command line: serves the models the SLA files name from a model repository (or a folder in the
 * simple layout), with engines from a PF4J plugins folder and the classpath, drives each one, writes JSON and JUnit XML, and exits 0 when every SLA is met,
 * 1 when one is missed and 2 on a usage or setup error.
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
    List<SlaSpec> specs;
    boolean repository = ModelFolder.isRepository(o.models);
    ModelFolder folder;
    try {
      specs = SlaSpec.load(o.sla);
      folder = repository ? null : new ModelFolder(o.models);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    }
    RuntimeSettings settings;
    try {
      settings = o.config == null ? RuntimeSettings.load() : RuntimeSettings.load(o.config);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    }
    DeduceHost.Builder hb = DeduceHost.builder().settings(settings).durability(Durability.NONE)
        .meterRegistry(new SimpleMeterRegistry());
    if (o.plugins != null) {
      hb.pluginsDir(o.plugins);
    }
    try (DeduceHost host = hb.start()) {
      for (PluginProblem p : host.plugins().problems()) {
        err.println("warning: plugin " + p.source() + " disabled: " + p.message());
      }
      DeduceRuntime runtime = host.runtime();
      Set<String> formats = new HashSet<>();
      runtime.engineFormats().values().forEach(formats::addAll);
      out.println("engines: " + host.plugins().engines().stream().map(c -> c.id() + " (" + c.source() + ")")
          .toList());
      List<SlaResult> results = new ArrayList<>();
      try (ModelRepository repo = repository ? serve(runtime, o.models, specs, out, err) : null) {
        if (repo == null) {
          deploy(runtime, folder, specs, formats, out);
        }
        SlaRunner runner = new SlaRunner(runtime);
        for (SlaSpec spec : specs) {
          out.println("running SLA " + spec.name() + ": model " + spec.model() + spec.version().map(v -> " version "
              + v).orElse("") + ", concurrency " + spec.concurrency() + ", batch " + spec.batch());
          SlaResult r = runner.run(spec);
          results.add(r);
          print(r, out);
        }
      }
      List<Path> files = new ArrayList<>(SlaReports.write(results, o.out));
      files.add(HtmlReport.write(results, specs, o.out.resolve("sla-report.html")));
      out.println("reports: " + files);
      boolean met = results.stream().allMatch(SlaResult::passed);
      out.println(met ? "every SLA met" : "SLA missed: " + results.stream().filter(r -> !r.passed())
          .map(SlaResult::name).toList());
      return met ? MET : MISSED;
    } catch (IllegalArgumentException | IllegalStateException | DeduceException | PluginHostException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    } catch (IOException e) {
      err.println("error: cannot write reports to " + o.out + ": " + e.getMessage());
      return USAGE;
    }
  }

  /**
   * Serves the model repository at {@code models} (its model.conf files pick engines, files and serving settings) and
   * checks that it serves every model and version the SLAs name.
   */
  private static ModelRepository serve(DeduceRuntime runtime, Path models, List<SlaSpec> specs, PrintStream out,
      PrintStream err) {
    out.println("serving the model repository " + models);
    ModelRepository repo = ModelRepository.builder(runtime, models).pollInterval(Duration.ZERO).start();
    try {
      for (RepositoryProblem p : repo.problems()) {
        err.println("warning: " + p.message());
      }
      for (SlaSpec spec : specs) {
        List<String> served = runtime.versions(spec.model());
        boolean missing = spec.version().map(v -> !served.contains(v)).orElse(served.isEmpty());
        if (missing) {
          List<String> problems = repo.problems().stream().filter(p -> p.model().equals(spec.model()))
              .map(RepositoryProblem::message).toList();
          throw new IllegalArgumentException("SLA " + spec.name() + " needs model '" + spec.model() + "'"
              + spec.version().map(v -> " version " + v).orElse("") + ", which the model repository " + models
              + " does not serve (served versions: " + served + (problems.isEmpty() ? "" : "; problems: " + problems)
              + "); expected " + models.resolve(spec.model()) + "/<version>/ with a model.conf naming engine and"
              + " file, and a version policy that keeps the version");
        }
        out.println("model " + spec.model() + ": versions " + served + ", default "
            + runtime.defaultVersion(spec.model()).orElse("none"));
      }
      return repo;
    } catch (RuntimeException e) {
      repo.close();
      throw e;
    }
  }

  /** Deploys every model version the SLAs name; unversioned SLAs get the highest version as the default. */
  private static void deploy(DeduceRuntime runtime, ModelFolder folder, List<SlaSpec> specs, Set<String> formats,
      PrintStream out) {
    Map<String, ModelSource> sources = new LinkedHashMap<>();
    Map<String, String> defaults = new LinkedHashMap<>();
    for (SlaSpec spec : specs) {
      ModelSource s = folder.source(spec.model(), spec.version(), formats);
      sources.putIfAbsent(s.name() + "\u0000" + s.version(), s);
      if (spec.version().isEmpty()) {
        defaults.put(s.name(), s.version());
      }
    }
    for (ModelSource s : sources.values()) {
      out.println("deploying " + s.name() + " version " + s.version() + " from " + s.path());
      runtime.deploy(s.name(), s.version(), s, runtime.settingsFor(s.name()));
    }
    defaults.forEach(runtime::setDefaultVersion);
  }

  private static void print(SlaResult r, PrintStream out) {
    SlaResult.Stats m = r.measured();
    out.printf(Locale.ROOT, "  %d windows, %s; %.1f infer/s; latency p50 %s p90 %s p95 %s p99 %s; queue p50 %s;"
            + " compute p50 %s; errors %s%n", r.windows().size(), r.stable() ? "stable" : "not stable",
        m.throughput(), Verdict.millis(m.p50()), Verdict.millis(m.p90()), Verdict.millis(m.p95()),
        Verdict.millis(m.p99()), Verdict.millis(m.queueP50()), Verdict.millis(m.computeP50()), r.errors());
    for (Check c : r.checks()) {
      out.printf(Locale.ROOT, "  %-7s %-15s target %s, actual %s%s%n", c.outcome(), c.name(), c.target(),
          c.actual(), c.message().isEmpty() ? "" : " - " + c.message());
    }
  }
}
