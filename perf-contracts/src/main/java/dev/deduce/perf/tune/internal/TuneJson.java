package dev.deduce.perf.tune.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.perf.sla.SlaResult;
import dev.deduce.perf.tune.TuneResult;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Measurement;
import dev.deduce.perf.tune.TuneResult.Setting;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/** {@code tune-results.json}: the machine, the search, every measurement, the candidates, the front and the winner. */
public final class TuneJson {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TuneJson() {}

  /** Writes {@code r} to {@code file} and returns it. */
  public static Path write(TuneResult r, Path file) throws IOException {
    JSON.writeValue(file.toFile(), json(r));
    return file;
  }

  static ObjectNode json(TuneResult r) {
    ObjectNode root = JSON.createObjectNode();
    root.put("timestamp", Instant.now().toString());
    root.put("model", r.model());
    root.put("version", r.version());
    root.put("engine", r.engine());
    root.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
    root.put("summary", r.summary());
    ObjectNode sla = root.putObject("sla");
    sla.put("name", r.sla().name());
    sla.put("concurrency", r.sla().concurrency());
    sla.put("batch", r.sla().batch());
    r.sla().p50().ifPresent(d -> sla.put("p50Ms", d.toNanos() / 1e6));
    r.sla().p95().ifPresent(d -> sla.put("p95Ms", d.toNanos() / 1e6));
    r.sla().p99().ifPresent(d -> sla.put("p99Ms", d.toNanos() / 1e6));
    r.sla().minThroughput().ifPresent(v -> sla.put("minThroughput", v));
    ObjectNode machine = root.putObject("machine");
    machine.put("cores", r.cores());
    machine.put("loadAverageAtStart", round(r.loadAtStart()));
    machine.put("loadAverageAtEnd", round(r.loadAtEnd()));
    root.put("budgetSeconds", round(r.budget().toNanos() / 1e9));
    root.put("elapsedSeconds", round(r.elapsed().toNanos() / 1e9));
    root.put("gridSize", r.gridSize());
    root.put("settingsMeasured", r.candidates().size());
    root.put("runs", r.measurements().stream().filter(Measurement::measured).count());
    r.fragment().ifPresentOrElse(f -> root.put("fragment", f), () -> root.putNull("fragment"));
    ArrayNode notes = root.putArray("notes");
    r.notes().forEach(notes::add);
    if (r.best().isPresent()) {
      root.set("best", candidate(r.best().get()));
    } else {
      root.putNull("best");
    }
    root.set("configured", candidate(r.configured()));
    ArrayNode front = root.putArray("front");
    r.front().forEach(c -> front.add(candidate(c)));
    ArrayNode candidates = root.putArray("candidates");
    r.candidates().forEach(c -> candidates.add(candidate(c)));
    ArrayNode runs = root.putArray("measurements");
    for (Measurement m : r.measurements()) {
      ObjectNode o = runs.addObject();
      o.put("index", m.index());
      o.put("phase", m.phase());
      o.put("asConfigured", m.asConfigured());
      if (m.setting() != null) {
        o.set("setting", setting(m.setting()));
      }
      o.put("seconds", round(m.seconds()));
      m.loadFailure().ifPresent(f -> o.put("loadFailure", f));
      m.result().ifPresent(res -> {
        SlaResult.Stats s = res.measured();
        o.put("stable", res.stable());
        o.put("metSla", res.passed());
        o.put("windows", res.windows().size());
        o.put("throughputPerSecond", round(s.throughput()));
        o.put("meanBatchRows", round(m.meanBatchRows()));
        ObjectNode lat = o.putObject("latencyMs");
        lat.put("p50", ms(s.p50()));
        lat.put("p95", ms(s.p95()));
        lat.put("p99", ms(s.p99()));
        lat.put("max", ms(s.max()));
        o.putObject("queueMs").put("p50", ms(s.queueP50())).put("mean", round(s.queueMean() / 1e6));
        o.putObject("computeMs").put("p50", ms(s.computeP50())).put("mean", round(s.computeMean() / 1e6));
        ObjectNode errors = o.putObject("errors");
        res.errors().forEach(errors::put);
      });
    }
    return root;
  }

  private static ObjectNode candidate(Candidate c) {
    ObjectNode o = JSON.createObjectNode();
    o.set("setting", setting(c.setting()));
    o.put("asConfigured", c.asConfigured());
    ArrayNode runs = o.putArray("runs");
    c.runs().forEach(runs::add);
    o.put("throughputPerSecond", round(c.throughput()));
    o.putObject("latencyMs").put("p50", ms(c.p50())).put("p95", ms(c.p95())).put("p99", ms(c.p99()));
    o.put("meanBatchRows", round(c.meanBatchRows()));
    o.put("stable", c.stable());
    o.put("metSla", c.metSla());
    ArrayNode missed = o.putArray("missed");
    c.missed().forEach(missed::add);
    return o;
  }

  private static ObjectNode setting(Setting s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("maxSize", s.maxSize());
    o.put("maxQueueDelayMs", s.maxQueueDelay().toNanos() / 1e6);
    ArrayNode p = o.putArray("preferredSizes");
    s.preferredSizes().forEach(p::add);
    o.put("instances", s.instances());
    o.put("intraOpThreads", s.engineThreads());
    return o;
  }

  private static double ms(long nanos) {
    return round(nanos / 1e6);
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
