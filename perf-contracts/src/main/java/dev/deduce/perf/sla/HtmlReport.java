package dev.deduce.perf.sla;

import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.perf.sla.SlaResult.Stats;
import dev.deduce.perf.sla.internal.Svg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One self-contained HTML page per run ({@code sla-report.html}): no script, no font, no network, only inline SVG,
 * so it opens from a CI artifact as it is. Pass or fail at the top; per SLA its checks, then per window the latency
 * percentiles, the throughput and where the time went (queue against compute), with the targets drawn as dashed lines.
 */
public final class HtmlReport {

  private HtmlReport() {}

  /** Writes the page for {@code results} (with the SLAs that produced them, matched by name) to {@code file}. */
  public static Path write(List<SlaResult> results, List<SlaSpec> specs, Path file) throws IOException {
    Map<String, SlaSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    boolean passed = results.stream().allMatch(SlaResult::passed);
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Deduce SLA report</title>\n")
        .append("<style>").append(Svg.PAGE_STYLE).append("</style></head><body>\n");
    b.append("<h1>SLA report <span class=\"").append(passed ? "pass\">PASSED" : "fail\">FAILED").append("</span></h1>\n");
    b.append("<p>").append(results.size()).append(" SLA(s), written ").append(esc(Instant.now().toString()))
        .append("; ").append(esc(Machine.describe())).append("</p>\n<ul>");
    for (SlaResult r : results) {
      b.append("<li><a href=\"#").append(anchor(r.name())).append("\">").append(esc(r.name())).append("</a>: ")
          .append(r.passed() ? "met" : "<b>missed</b>").append("</li>");
    }
    b.append("</ul>\n");
    for (SlaResult r : results) {
      section(b, r, Optional.ofNullable(byName.get(r.name())));
    }
    b.append("</body></html>\n");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, b);
    return file;
  }

  private static void section(StringBuilder b, SlaResult r, Optional<SlaSpec> spec) {
    Stats m = r.measured();
    b.append("<h2 id=\"").append(anchor(r.name())).append("\">").append(esc(r.name())).append(" <span class=\"")
        .append(r.passed() ? "pass" : "fail").append("\" style=\"font-size:14px;color:#fff;padding:2px 8px\">")
        .append(r.passed() ? "met" : "missed").append("</span></h2>\n<p>model ").append(esc(r.model()))
        .append(" version ").append(esc(r.version())).append(", concurrency ").append(r.concurrency())
        .append(spec.flatMap(SlaSpec::rate).map(v -> String.format(Locale.ROOT, ", rate %.1f/s", v)).orElse(""))
        .append(", batch ").append(r.batch()).append(", ").append(r.windows().size()).append(" windows, ")
        .append(r.stable() ? "stable" : "not stable").append(String.format(Locale.ROOT, "; %.1f infer/s, p50 %s,"
            + " p99 %s", m.throughput(), Verdict.millis(m.p50()), Verdict.millis(m.p99()))).append("</p>\n");
    b.append("<table><tr><th>check</th><th>target</th><th>actual</th><th>outcome</th><th>why</th></tr>");
    for (Check c : r.checks()) {
      String cls = c.outcome() == Check.Outcome.PASSED ? "pass" : c.outcome() == Check.Outcome.FAILED ? "fail"
          : "skip";
      b.append("<tr><td>").append(esc(c.name())).append("</td><td>").append(esc(c.target())).append("</td><td>")
          .append(esc(c.actual())).append("</td><td><span class=\"").append(cls)
          .append("\" style=\"color:#fff;padding:0 6px\">").append(c.outcome()).append("</span></td><td>")
          .append(esc(c.message())).append("</td></tr>");
    }
    b.append("</table>\n");
    if (!r.firstErrors().isEmpty()) {
      b.append("<table><tr><th>error kind</th><th>count</th><th>message</th></tr>");
      r.firstErrors().forEach(e -> b.append("<tr><td>").append(esc(e.kind())).append("</td><td>").append(e.count())
          .append("</td><td>").append(esc(e.message())).append("</td></tr>"));
      b.append("</table>\n");
    }
    List<Stats> w = r.windows();
    double[] x = new double[w.size()];
    double t = 0;
    for (int i = 0; i < x.length; i++) {
      x[i] = t + w.get(i).seconds() / 2; // a window's figures belong to its middle
      t += w.get(i).seconds();
    }
    Map<String, double[]> latency = new LinkedHashMap<>();
    latency.put("p50", w.stream().mapToDouble(s -> s.p50() / 1e6).toArray());
    latency.put("p95", w.stream().mapToDouble(s -> s.p95() / 1e6).toArray());
    latency.put("p99", w.stream().mapToDouble(s -> s.p99() / 1e6).toArray());
    Map<String, Double> latencyTargets = new LinkedHashMap<>();
    spec.flatMap(SlaSpec::p50).ifPresent(d -> latencyTargets.put("p50 target", ms(d)));
    spec.flatMap(SlaSpec::p95).ifPresent(d -> latencyTargets.put("p95 target", ms(d)));
    spec.flatMap(SlaSpec::p99).ifPresent(d -> latencyTargets.put("p99 target", ms(d)));
    chart(b, "latency per window (ms)", x, latency, latencyTargets);
    Map<String, Double> minimum = new LinkedHashMap<>();
    spec.ifPresent(s -> s.minThroughput().ifPresent(v -> minimum.put("min-throughput", v)));
    chart(b, "throughput per window (inferences/s)", x,
        Map.of("throughput", w.stream().mapToDouble(Stats::throughput).toArray()), minimum);
    Map<String, double[]> time = new LinkedHashMap<>();
    time.put("queue mean", w.stream().mapToDouble(s -> s.queueMean() / 1e6).toArray());
    time.put("compute mean", w.stream().mapToDouble(s -> s.computeMean() / 1e6).toArray());
    time.put("latency mean", w.stream().mapToDouble(s -> s.mean() / 1e6).toArray());
    chart(b, "queue vs compute per window (ms)", x, time, Map.of());
  }

  /** A line chart of {@code series} over {@code x} (seconds), with {@code targets} as dashed horizontal lines. */
  private static void chart(StringBuilder b, String title, double[] x, Map<String, double[]> series,
      Map<String, Double> targets) {
    double max = 0;
    for (double[] ys : series.values()) {
      for (double y : ys) {
        max = Math.max(max, y);
      }
    }
    for (double v : targets.values()) {
      max = Math.max(max, v);
    }
    double xmax = x.length == 0 ? 1 : end(x);
    Svg.Plot plot = new Svg.Plot(b, title, xmax, max)
        .xLabels("0 s", String.format(Locale.ROOT, "%.0f s (measurement time)", xmax));
    int k = 0;
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      plot.polyline(x, e.getValue(), Svg.COLOURS[k++ % Svg.COLOURS.length], e.getKey());
    }
    int t = 0;
    for (Map.Entry<String, Double> e : targets.entrySet()) {
      plot.horizontal(e.getValue(), Svg.TARGET_COLOURS[t++ % Svg.TARGET_COLOURS.length], e.getKey());
    }
    plot.close();
  }

  // where the last of back-to-back windows ended, given each one's middle
  private static double end(double[] middles) {
    double end = 0;
    for (double m : middles) {
      end = 2 * m - end;
    }
    return end;
  }

  private static double ms(Duration d) {
    return d.toNanos() / 1e6;
  }

  private static String anchor(String name) {
    return "sla-" + name.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  static String esc(String s) {
    return Svg.esc(s);
  }
}
