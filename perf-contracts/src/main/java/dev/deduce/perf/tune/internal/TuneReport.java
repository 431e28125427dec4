package dev.deduce.perf.tune.internal;

import static dev.deduce.perf.sla.internal.Svg.esc;

import dev.deduce.perf.sla.internal.Svg;
import dev.deduce.perf.tune.TuneResult;
import dev.deduce.perf.tune.TuneResult.Candidate;
import dev.deduce.perf.tune.TuneResult.Measurement;
import dev.deduce.perf.tune.TuneResult.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code tune-report.html}: the outcome and the fragment to paste at the top, throughput against p99 for every stable
 * candidate with the Pareto front drawn through them, then every measurement, in the SLA report's style and charts.
 */
public final class TuneReport {

  private TuneReport() {}

  /** Writes the page for {@code r} to {@code file} and returns it. */
  public static Path write(TuneResult r, Path file) throws IOException {
    StringBuilder b = new StringBuilder();
    boolean met = r.outcome() == Outcome.MET;
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Deduce tuning report</title>\n")
        .append("<style>").append(Svg.PAGE_STYLE).append("</style></head><body>\n")
        .append("<h1>Tuning ").append(esc(r.model())).append(" version ").append(esc(r.version()))
        .append(" <span class=\"").append(met ? "pass\">" : "fail\">").append(r.outcome()).append("</span></h1>\n")
        .append("<p>").append(esc(r.summary())).append("</p>\n")
        .append(String.format(Locale.ROOT, "<p>engine %s; SLA %s: %d callers, batch %d; measured on this machine:"
                + " %d cores, load average %.2f at start and %.2f at end; %d of %d settings measured in %.0f s of a"
                + " %.0f s budget; written %s</p>\n", esc(r.engine()), esc(r.sla().name()), r.sla().concurrency(),
            r.sla().batch(), r.cores(), r.loadAtStart(), r.loadAtEnd(), r.candidates().size(), r.gridSize(),
            r.elapsed().toNanos() / 1e9, r.budget().toNanos() / 1e9, esc(Instant.now().toString())));
    r.fragment().ifPresent(f -> b.append("<h2>model.conf fragment</h2>\n<pre>").append(esc(f)).append("</pre>\n"));
    b.append("<ul>");
    r.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>"));
    b.append("</ul>\n<h2>Throughput against p99</h2>\n");
    front(b, r);
    b.append("<h2>Candidates</h2>\n<table><tr><th>setting</th><th>runs</th><th>infer/s</th><th>p50 ms</th>"
        + "<th>p99 ms</th><th>rows/run</th><th>stable</th><th>SLA</th><th>front</th></tr>");
    for (Candidate c : r.candidates()) {
      b.append(String.format(Locale.ROOT, "<tr><td>%s%s</td><td>%s</td><td>%.1f</td><td>%.3f</td><td>%.3f</td>"
              + "<td>%.1f</td><td>%s</td><td>%s</td><td>%s</td></tr>", esc(c.setting().label()),
          c.asConfigured() ? " <b>(as configured)</b>" : "", c.runs(), c.throughput(), c.p50() / 1e6, c.p99() / 1e6,
          c.meanBatchRows(), c.stable() ? "yes" : "<b>no</b>", c.metSla() ? "met" : "missed",
          r.front().contains(c) ? "yes" : ""));
    }
    b.append("</table>\n<h2>Every run</h2>\n<table><tr><th>#</th><th>phase</th><th>setting</th><th>seconds</th>"
        + "<th>outcome</th></tr>");
    for (Measurement m : r.measurements()) {
      String outcome = m.loadFailure().map(f -> "not served: " + f).orElseGet(() -> {
        var s = m.result().get().measured();
        return String.format(Locale.ROOT, "%.1f infer/s, p50 %.3f ms, p99 %.3f ms, %d windows, %s, SLA %s",
            s.throughput(), s.p50() / 1e6, s.p99() / 1e6, m.result().get().windows().size(),
            m.result().get().stable() ? "stable" : "not stable", m.result().get().passed() ? "met" : "missed");
      });
      b.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%.1f</td><td>%s</td></tr>",
          m.index(), esc(m.phase()), esc(m.asConfigured() ? "as configured" : m.setting().label()), m.seconds(),
          esc(outcome)));
    }
    b.append("</table>\n</body></html>\n");
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, b);
    return file;
  }

  private static void front(StringBuilder b, TuneResult r) {
    List<Candidate> stable = r.candidates().stream().filter(Candidate::stable).toList();
    if (stable.isEmpty()) {
      b.append("<p>No stable measurement to draw.</p>\n");
      return;
    }
    double xmax = 0;
    double ymax = 0;
    for (Candidate c : stable) {
      xmax = Math.max(xmax, c.throughput());
      ymax = Math.max(ymax, c.p99() / 1e6);
    }
    double p99Target = r.sla().p99().map(d -> d.toNanos() / 1e6).orElse(0.0);
    double minThroughput = r.sla().minThroughput().orElse(0);
    xmax = Math.max(xmax, minThroughput) * 1.1;
    // a target far above every point would squash them all onto the axis: then it is named, not drawn
    boolean drawTarget = p99Target > 0 && p99Target <= 2 * ymax;
    if (drawTarget) {
      ymax = Math.max(ymax, p99Target);
    }
    Svg.Plot plot = new Svg.Plot(b, "p99 latency (ms) against throughput (inferences/s)", xmax, ymax)
        .xLabels("0", String.format(Locale.ROOT, "%.0f infer/s (throughput)", xmax));
    plot.dots(x(stable), y(stable), tips(stable), 3, "#999999", "candidate");
    plot.polyline(x(r.front()), y(r.front()), Svg.COLOURS[1], "Pareto front");
    plot.dots(x(r.front()), y(r.front()), tips(r.front()), 4, Svg.COLOURS[1], "on the front");
    List<Candidate> configured = stable.stream().filter(Candidate::asConfigured).toList();
    if (!configured.isEmpty()) {
      plot.dots(x(configured), y(configured), tips(configured), 6, Svg.COLOURS[0], "as configured");
    }
    r.best().ifPresent(c -> plot.dots(x(List.of(c)), y(List.of(c)), tips(List.of(c)), 6, Svg.COLOURS[3], "best"));
    if (drawTarget) {
      plot.horizontal(p99Target, Svg.TARGET_COLOURS[0], "p99 target");
    }
    if (minThroughput > 0) {
      plot.vertical(minThroughput, Svg.TARGET_COLOURS[1], "min-throughput");
    }
    plot.close();
    if (p99Target > 0 && !drawTarget) {
      b.append(String.format(Locale.ROOT, "<p>The p99 target, %.3f ms, is more than twice every candidate's p99 and"
          + " is not drawn.</p>%n", p99Target));
    }
  }

  private static double[] x(List<Candidate> cs) {
    return cs.stream().mapToDouble(Candidate::throughput).toArray();
  }

  private static double[] y(List<Candidate> cs) {
    return cs.stream().mapToDouble(c -> c.p99() / 1e6).toArray();
  }

  private static String[] tips(List<Candidate> cs) {
    return cs.stream().map(c -> c.setting().label() + ": " + c.figures()).toArray(String[]::new);
  }
}
