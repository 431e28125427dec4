package dev.deduce.perf.tune.internal;

import dev.deduce.host.DeduceHost;
import dev.deduce.perf.sla.SlaResult;
import dev.deduce.perf.sla.SlaRunner;
import dev.deduce.perf.sla.SlaSpec;
import dev.deduce.perf.tune.TuneResult.Setting;
import dev.deduce.plugin.PluginProblem;
import dev.deduce.repository.ModelRepository;
import dev.deduce.repository.RepositoryProblem;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.runtime.Durability;
import dev.deduce.runtime.ModelSettings;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Deduce started as a host starts it (settings, plugins, runtime), serving the scratch repository: each candidate is
 * written as the version's model.conf and reloaded, so it is loaded, warmed up and checked like any new version.
 */
final class Serving implements AutoCloseable {

  private final Scratch scratch;
  private final DeduceHost host;
  private final ModelRepository repo;
  private final BatchRecorder recorder;

  Serving(Scratch scratch, Path plugins, RuntimeSettings settings, Consumer<String> progress) {
    this.scratch = scratch;
    DeduceHost.Builder b = DeduceHost.builder().settings(settings).durability(Durability.NONE)
        .meterRegistry(new SimpleMeterRegistry());
    if (plugins != null) {
      b.pluginsDir(plugins);
    }
    host = b.start();
    try {
      for (PluginProblem p : host.plugins().problems()) {
        progress.accept("warning: plugin " + p.source() + " disabled: " + p.message());
      }
      repo = ModelRepository.builder(host.runtime(), scratch.root()).pollInterval(Duration.ZERO).start();
      recorder = new BatchRecorder(host.runtime());
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** The engines the host has, e.g. {@code [onnx (classpath), reference (classpath)]}. */
  List<String> engines() {
    return host.plugins().engines().stream().map(c -> c.id() + " (" + c.source() + ")").toList();
  }

  /** The runtime's settings for the model, under its model.conf. */
  ModelSettings runtimeSettings() {
    return host.runtime().settingsFor(scratch.model);
  }

  /** Serves {@code s} (empty: the version as configured); returns why it could not be served, if it could not. */
  Optional<String> serve(Optional<Setting> s) {
    try {
      scratch.write(s);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the candidate's model.conf in " + scratch.root() + ": " + e, e);
    }
    repo.reload().join();
    List<String> problems = repo.problems().stream().filter(p -> p.model().equals(scratch.model))
        .map(RepositoryProblem::message).toList();
    DeduceRuntime rt = host.runtime();
    if (problems.isEmpty() && rt.versions(scratch.model).contains(scratch.version)) {
      return Optional.empty();
    }
    return Optional.of(problems.isEmpty() ? "version " + scratch.version + " is not served" : String.join("; ",
        problems));
  }

  /** Runs the SLA against what is served; also returns rows per engine run. */
  Run run(SlaSpec spec) {
    recorder.reset();
    SlaResult r = new SlaRunner(recorder).run(spec);
    return new Run(r, recorder.requestsPerRun() * spec.batch());
  }

  /** One SLA run and the mean rows per engine run during it. */
  record Run(SlaResult result, double meanBatchRows) {}

  @Override
  public void close() {
    try {
      repo.close();
    } finally {
      host.close();
    }
  }
}
