package dev.deduce.perf.sla;

import dev.deduce.host.DeduceHost;
import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.plugin.PluginProblem;
import dev.deduce.repository.ModelRepository;
import dev.deduce.repository.RepositoryProblem;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One host serving the models a list of SLAs names from a model repository (either of its layouts), with engines from a
 * plugins folder and the classpath; the command line and {@link SlaSuite} both drive SLAs through it, so they print,
 * serve and fail alike.
 */
final class SlaSession implements AutoCloseable {

  private final DeduceHost host;
  private final ModelRepository repository;
  private final PrintStream out;

  private SlaSession(DeduceHost host, ModelRepository repository, PrintStream out) {
    this.host = host;
    this.repository = repository;
    this.out = out;
  }

  /**
   * Starts a host and serves what {@code specs} need from {@code models}.
   *
   * @throws IllegalArgumentException when the models folder does not serve a model an SLA names
   */
  static SlaSession open(Path models, List<SlaSpec> specs, Path plugins, RuntimeSettings settings, PrintStream out,
      PrintStream err) {
    DeduceHost.Builder hb = DeduceHost.builder().settings(settings).durability(Durability.NONE)
        .meterRegistry(new SimpleMeterRegistry());
    if (plugins != null) {
      hb.pluginsDir(plugins);
    }
    DeduceHost host = hb.start();
    try {
      for (PluginProblem p : host.plugins().problems()) {
        err.println("warning: plugin " + p.source() + " disabled: " + p.message());
      }
      DeduceRuntime runtime = host.runtime();
      out.println("engines: " + host.plugins().engines().stream().map(c -> c.id() + " (" + c.source() + ")")
          .toList());
      return new SlaSession(host, serve(runtime, models, specs, out, err), out);
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** Drives one SLA and prints its figures and checks. */
  SlaResult run(SlaSpec spec) {
    out.println("running SLA " + spec.name() + ": model " + spec.model() + spec.version().map(v -> " version "
        + v).orElse("") + ", concurrency " + spec.concurrency() + ", batch " + spec.batch());
    SlaResult r = new SlaRunner(host.runtime()).run(spec);
    out.print(describe(r));
    return r;
  }

  /** The figures and checks of {@code r}, one line each, as the command line prints them. */
  static String describe(SlaResult r) {
    SlaResult.Stats m = r.measured();
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "  %d windows, %s; %.1f infer/s; latency p50 %s p90 %s p95 %s p99 %s;"
            + " queue p50 %s; compute p50 %s; errors %s%n", r.windows().size(), r.stable() ? "stable" : "not stable",
        m.throughput(), Verdict.millis(m.p50()), Verdict.millis(m.p90()), Verdict.millis(m.p95()),
        Verdict.millis(m.p99()), Verdict.millis(m.queueP50()), Verdict.millis(m.computeP50()), r.errors()));
    for (Check c : r.checks()) {
      b.append(String.format(Locale.ROOT, "  %-7s %-15s target %s, actual %s%s%n", c.outcome(), c.name(),
          c.target(), c.actual(), c.message().isEmpty() ? "" : " - " + c.message()));
    }
    return b.toString();
  }

  @Override
  public void close() {
    try {
      repository.close();
    } finally {
      host.close();
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
              + " does not serve (" + (repo.models().contains(spec.model()) ? "served versions: " + served
              : "it has models " + repo.models()) + (problems.isEmpty() ? "" : "; problems: " + problems)
              + "); expected " + models.resolve(spec.model()) + "/<version>/ with a model.conf naming engine and"
              + " file, or with one model file, and a version policy that keeps the version");
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
}
