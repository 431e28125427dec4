package dev.deduce.samples.host;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.deduce.api.DeduceException;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.InferenceService;
import dev.deduce.api.ModelSignature;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.api.TensorSpec;
import dev.deduce.inject.DeduceLifecycle;
import dev.deduce.inject.DeduceModule;
import dev.deduce.plugin.PluginHost;
import dev.deduce.runtime.DeduceRuntime;
import dev.deduce.repository.Health;
import dev.deduce.repository.ModelRepository;
import dev.deduce.runtime.RuntimeSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A host application embedding Deduce with Guice: loads engine and store plugins from one folder and models from
 * another, runs a few requests against every served model, and prints the results and the host's health.
 *
 * <p>Usage: {@code GuiceHostApp <plugins-folder> <models-folder> [requests-per-model]}. Exit code 0 when every
 * request succeeded and the host is ready, 1 otherwise, 2 for bad arguments.
 */
public final class GuiceHostApp {

  private GuiceHostApp() {}

  /** Runs the app and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the app, printing to {@code out} and {@code err}; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 2 || args.length > 3) {
      err.println("usage: GuiceHostApp <plugins-folder> <models-folder> [requests-per-model]");
      return 2;
    }
    Path plugins = Path.of(args[0]);
    Path models = Path.of(args[1]);
    int requests;
    try {
      requests = args.length == 3 ? Integer.parseInt(args[2]) : 3;
    } catch (NumberFormatException e) {
      requests = -1;
    }
    if (requests < 1 || requests > 1000) {
      err.println("requests-per-model is '" + args[2] + "'; expected a whole number from 1 to 1000");
      return 2;
    }
    for (Path dir : new Path[] {plugins, models}) {
      if (!Files.isDirectory(dir)) {
        err.println(dir.toAbsolutePath() + " is not a folder; expected the " + (dir == plugins ? "plugins" : "models")
            + " folder");
        return 2;
      }
    }
    RuntimeSettings settings = RuntimeSettings.load(Map.of("deduce.plugins.dir", plugins.toString(),
        "deduce.repository.dir", models.toString()));
    Injector injector = Guice.createInjector(new DeduceModule(settings, new SimpleMeterRegistry()));
    boolean allOk = true;
    try (DeduceLifecycle lifecycle = injector.getInstance(DeduceLifecycle.class)) {
      PluginHost host = injector.getInstance(PluginHost.class);
      out.println("plugins: " + host.plugins().size() + " loaded, engines "
          + host.engines().stream().map(e -> e.id() + " (" + e.source() + ")").toList());
      host.problems().forEach(p -> out.println("plugin problem: " + p.source() + ": " + p.message()));
      InferenceService service = injector.getInstance(InferenceService.class);
      DeduceRuntime runtime = injector.getInstance(DeduceRuntime.class);
      for (String model : injector.getInstance(ModelRepository.class).models()) {
        if (runtime.defaultVersion(model).isEmpty()) {
          out.println("model " + model + ": not served");
          continue;
        }
        ModelSignature signature = service.signature(model, null);
        out.println("model " + model + " versions " + runtime.versions(model) + ", serving "
            + runtime.defaultVersion(model).get() + ", inputs " + signature.inputs() + ", outputs "
            + signature.outputs());
        for (int i = 0; i < requests; i++) {
          NamedTensors inputs = example(signature, i);
          try {
            InferenceResult r = service.infer(model, inputs);
            out.println("  request " + i + ": " + inputs + " -> version " + r.version() + " " + r.outputs()
                + " in " + r.totalTime().toNanos() / 1000 + " us");
          } catch (DeduceException e) {
            allOk = false;
            out.println("  request " + i + " failed (" + e.kind() + "): " + e.getMessage());
          }
        }
      }
      Health health = lifecycle.health();
      out.println("health: live=" + health.live() + " ready=" + health.ready());
      health.reasons().forEach(r -> out.println("  " + r));
      return allOk && health.ready() ? 0 : 1;
    }
  }

  /** One row per input: dynamic dimensions become 1, values count up from {@code seed}. */
  static NamedTensors example(ModelSignature signature, int seed) {
    NamedTensors.Builder b = NamedTensors.builder();
    for (TensorSpec spec : signature.inputs()) {
      long[] shape = spec.shape();
      int n = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = shape[d] == -1 ? 1 : shape[d];
        n = Math.multiplyExact(n, Math.toIntExact(shape[d]));
      }
      b.put(spec.name(), ramp(spec, shape, n, seed));
    }
    return b.build();
  }

  private static Tensor ramp(TensorSpec spec, long[] shape, int n, int seed) {
    switch (spec.dtype()) {
      case FLOAT32: {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = seed + i * 0.5f - 1f;
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64: {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = seed + i * 0.5 - 1;
        }
        return Tensor.ofDoubles(v, shape);
      }
      case INT32: {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = seed + i;
        }
        return Tensor.ofInts(v, shape);
      }
      case INT64: {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = seed + i;
        }
        return Tensor.ofLongs(v, shape);
      }
      case STRING: {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
          v[i] = "text " + (seed + i);
        }
        return Tensor.ofStrings(v, shape);
      }
      default:
        return Tensor.zeros(spec.dtype(), shape);
    }
  }
}
