package dev.deduce.perf.sla;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.perf.sla.SlaResult.Stats;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes SLA results as JSON ({@code sla-results.json}) and as JUnit XML ({@code TEST-sla-<name>.xml}, one test
 * suite per SLA and one test case per check), so that CI shows each target as a test.
 */
public final class SlaReports {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SlaReports() {
  }

  /**
   * Writes both reports into {@code folder}, creating it, and returns the files written.
   *
   * @throws IOException when the folder or a file cannot be written
   */
  public static List<Path> write(List<SlaResult> results, Path folder) throws IOException {
    Objects.requireNonNull(results, "results must not be null");
    Files.createDirectories(folder);
    List<Path> written = new java.util.ArrayList<>();
    Path json = folder.resolve("sla-results.json");
    JSON.writeValue(json.toFile(), json(results));
    written.add(json);
    for (SlaResult r : results) {
      Path xml = folder.resolve("TEST-sla-" + r.name().replaceAll("[^A-Za-z0-9._-]", "_") + ".xml");
      try (OutputStream out = Files.newOutputStream(xml)) {
        junit(r, out);
      } catch (XMLStreamException e) {
        throw new IOException("cannot write " + xml + ": " + e.getMessage(), e);
      }
      written.add(xml);
    }
    return written;
  }

  static ObjectNode json(List<SlaResult> results) {
    ObjectNode root = JSON.createObjectNode();
    root.put("timestamp", Instant.now().toString());
    root.put("passed", results.stream().allMatch(SlaResult::passed));
    ObjectNode machine = root.putObject("machine");
    machine.put("cores", Machine.cores());
    machine.put("loadAverage", round(Machine.loadAverage()));
    ArrayNode slas = root.putArray("slas");
    for (SlaResult r : results) {
      ObjectNode o = slas.addObject();
      o.put("name", r.name());
      o.put("model", r.model());
      o.put("version", r.version());
      o.put("concurrency", r.concurrency());
      o.put("batch", r.batch());
      o.put("passed", r.passed());
      o.put("stable", r.stable());
      o.set("measured", stats(r.measured()));
      ObjectNode errors = o.putObject("errors");
      r.errors().forEach(errors::put);
      ArrayNode first = o.putArray("firstErrors");
      r.firstErrors().forEach(e -> first.addObject().put("kind", e.kind()).put("message", e.message())
          .put("count", e.count()));
      ArrayNode checks = o.putArray("checks");
      for (Check c : r.checks()) {
        ObjectNode co = checks.addObject();
        co.put("name", c.name());
        co.put("target", c.target());
        co.put("actual", c.actual());
        co.put("outcome", c.outcome().name().toLowerCase(Locale.ROOT));
        if (!c.message().isEmpty()) {
          co.put("message", c.message());
        }
      }
      ArrayNode windows = o.putArray("windows");
      r.windows().forEach(w -> windows.add(stats(w)));
    }
    return root;
  }

  private static ObjectNode stats(Stats s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("seconds", round(s.seconds()));
    o.put("requests", s.requests());
    o.put("failed", s.failed());
    o.put("throughputPerSecond", round(s.throughput()));
    ObjectNode lat = o.putObject("latencyMs");
    lat.put("p50", ms(s.p50()));
    lat.put("p90", ms(s.p90()));
    lat.put("p95", ms(s.p95()));
    lat.put("p99", ms(s.p99()));
    lat.put("max", ms(s.max()));
    lat.put("mean", round(s.mean() / 1e6));
    ObjectNode queue = o.putObject("queueMs");
    queue.put("p50", ms(s.queueP50()));
    queue.put("p99", ms(s.queueP99()));
    queue.put("mean", round(s.queueMean() / 1e6));
    ObjectNode compute = o.putObject("computeMs");
    compute.put("p50", ms(s.computeP50()));
    compute.put("p99", ms(s.computeP99()));
    compute.put("mean", round(s.computeMean() / 1e6));
    return o;
  }

  private static double ms(long nanos) {
    return round(nanos / 1e6);
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }

  static void junit(SlaResult r, OutputStream out) throws XMLStreamException {
    XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
    long failures = r.checks().stream().filter(c -> c.outcome() == Check.Outcome.FAILED).count();
    long skipped = r.checks().stream().filter(c -> c.outcome() == Check.Outcome.SKIPPED).count();
    String suite = "sla." + r.name();
    x.writeStartDocument("UTF-8", "1.0");
    x.writeCharacters("\n");
    x.writeStartElement("testsuite");
    x.writeAttribute("name", suite);
    x.writeAttribute("tests", Integer.toString(r.checks().size()));
    x.writeAttribute("failures", Long.toString(failures));
    x.writeAttribute("errors", "0");
    x.writeAttribute("skipped", Long.toString(skipped));
    x.writeAttribute("time", String.format(Locale.ROOT, "%.3f", r.windows().stream()
        .mapToDouble(Stats::seconds).sum()));
    x.writeCharacters("\n  ");
    x.writeStartElement("properties");
    property(x, "model", r.model());
    property(x, "version", r.version());
    property(x, "concurrency", Integer.toString(r.concurrency()));
    property(x, "batch", Integer.toString(r.batch()));
    Stats m = r.measured();
    property(x, "throughput", String.format(Locale.ROOT, "%.1f infer/s", m.throughput()));
    property(x, "latency", "p50 " + Verdict.millis(m.p50()) + ", p90 " + Verdict.millis(m.p90()) + ", p95 "
        + Verdict.millis(m.p95()) + ", p99 " + Verdict.millis(m.p99()));
    property(x, "queue", "p50 " + Verdict.millis(m.queueP50()) + ", p99 " + Verdict.millis(m.queueP99()));
    property(x, "compute", "p50 " + Verdict.millis(m.computeP50()) + ", p99 " + Verdict.millis(m.computeP99()));
    property(x, "errors", r.errors().toString());
    x.writeCharacters("\n  ");
    x.writeEndElement();
    for (Check c : r.checks()) {
      x.writeCharacters("\n  ");
      x.writeStartElement("testcase");
      x.writeAttribute("classname", suite);
      x.writeAttribute("name", c.name() + " (target " + c.target() + ", actual " + c.actual() + ")");
      x.writeAttribute("time", "0");
      if (c.outcome() == Check.Outcome.FAILED) {
        x.writeStartElement("failure");
        x.writeAttribute("type", "SlaMissed");
        x.writeAttribute("message", c.message());
        x.writeCharacters(c.message());
        x.writeEndElement();
      } else if (c.outcome() == Check.Outcome.SKIPPED) {
        x.writeEmptyElement("skipped");
        x.writeAttribute("message", c.message());
      }
      x.writeEndElement();
    }
    x.writeCharacters("\n");
    x.writeEndElement();
    x.writeCharacters("\n");
    x.writeEndDocument();
    x.close();
  }

  private static void property(XMLStreamWriter x, String name, String value) throws XMLStreamException {
    x.writeCharacters("\n    ");
    x.writeEmptyElement("property");
    x.writeAttribute("name", name);
    x.writeAttribute("value", value);
  }
}
