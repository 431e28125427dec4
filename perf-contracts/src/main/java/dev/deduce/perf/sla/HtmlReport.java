package dev.deduce.perf.sla;

import dev.deduce.perf.sla.SlaResult.Check;
import dev.deduce.perf.sla.SlaResult.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#d62728", "#2ca02c"};
  // targets in colours no series takes, so a target never reads as a measurement
  private static final String[] TARGET_COLOURS = {"#555555", "#9467bd", "#8c564b"};
  private static final int W = 760;
  private static final int H = 220;
  private static final int PAD = 48;

  private HtmlReport() {}

  /** Writes the page for {@code results} (with the SLAs that produced them, matched by name) to {@code file}. */
  public static Path write(List<SlaResult> results, List<SlaSpec> specs, Path file) throws IOException {
    Map<String, SlaSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    boolean passed = results.stream().allMatch(SlaResult::passed);
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Deduce SLA report</title>\n")
        .append("<style>body{font-family:sans-serif;margin:24px;color:#222}h1 span{padding:2px 10px;border-radius:4px;"
            + "color:#fff}.pass{background:#2ca02c}.fail{background:#d62728}.skip{background:#999}"
            + "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
            + "text-align:left;font-size:13px}svg{display:block;margin:6px 0 18px}</style></head><body>\n");
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
    max = max <= 0 ? 1 : max * 1.1;
    double xmax = x.length == 0 ? 1 : end(x);
    b.append("<svg width=\"").append(W).append("\" height=\"").append(H)
        .append("\" role=\"img\" aria-label=\"").append(esc(title)).append("\">")
        .append("<text x=\"").append(PAD).append("\" y=\"14\" font-size=\"13\" font-weight=\"bold\">")
        .append(esc(title)).append("</text>")
        .append(line(PAD, H - PAD / 2.0, W - 200, H - PAD / 2.0, "#000", false))
        .append(line(PAD, 24, PAD, H - PAD / 2.0, "#000", false));
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4;
      double y = py(v, max);
      b.append(line(PAD - 4, y, PAD, y, "#000", false)).append(text(2, y + 4, fmt(v), "#000"));
    }
    b.append(text(PAD, H - 4, "0 s", "#000")).append(text(W - 240, H - 4, String.format(Locale.ROOT,
        "%.0f s (measurement time)", xmax), "#000"));
    int k = 0;
    List<String> legend = new ArrayList<>();
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      String colour = COLOURS[k++ % COLOURS.length];
      StringBuilder pts = new StringBuilder();
      double[] ys = e.getValue();
      for (int i = 0; i < ys.length; i++) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x[i], xmax), py(ys[i], max)));
      }
      b.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"")
          .append(pts).append("\"/>");
      legend.add(colour + "\u0000" + e.getKey());
    }
    int t = 0;
    for (Map.Entry<String, Double> e : targets.entrySet()) {
      String colour = TARGET_COLOURS[t++ % TARGET_COLOURS.length];
      double y = py(e.getValue(), max);
      b.append(line(PAD, y, W - 200, y, colour, true));
      legend.add(colour + "\u0000" + e.getKey() + " " + fmt(e.getValue()) + " (dashed)");
    }
    for (int i = 0; i < legend.size(); i++) {
      String[] l = legend.get(i).split("\u0000");
      b.append("<rect x=\"").append(W - 192).append("\" y=\"").append(30 + i * 18).append("\" width=\"10\" height=\"10\""
          + " fill=\"").append(l[0]).append("\"/>").append(text(W - 178, 39 + i * 18, l[1], "#000"));
    }
    b.append("</svg>\n");
  }

  // where the last of back-to-back windows ended, given each one's middle
  private static double end(double[] middles) {
    double end = 0;
    for (double m : middles) {
      end = 2 * m - end;
    }
    return end;
  }

  private static double px(double x, double xmax) {
    return PAD + (W - 200 - PAD) * (xmax == 0 ? 0 : x / xmax);
  }

  private static double py(double v, double max) {
    return H - PAD / 2.0 - (H - PAD / 2.0 - 24) * v / max;
  }

  private static String line(double x1, double y1, double x2, double y2, String colour, boolean dashed) {
    return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>", x1,
        y1, x2, y2, colour, dashed ? " stroke-dasharray=\"6,4\" stroke-width=\"1.5\"" : "");
  }

  private static String text(double x, double y, String s, String colour) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s</text>", x, y,
        colour, esc(s));
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static double ms(Duration d) {
    return d.toNanos() / 1e6;
  }

  private static String anchor(String name) {
    return "sla-" + name.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
