package dev.deduce.perf.sla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code SlaMain compare BASE NEW [--max-regression PERCENT] [--out DIR]}: two {@code sla-results.json} files (say
 * main and a pull request) side by side, the ratio NEW/BASE per figure, and exit 1 when a figure got worse by more
 * than the given percent: throughput lower, or a latency percentile higher. Queue and compute times are shown, not
 * judged: they explain a change rather than being one.
 */
final class SlaCompare {

  /** A figure: its JSON path under {@code measured}, and whether higher is better; judged figures gate the exit. */
  private record Figure(String label, String group, String field, boolean higherIsBetter, boolean judged) {}

  private static final List<Figure> FIGURES = List.of(
      new Figure("throughput (infer/s)", null, "throughputPerSecond", true, true),
      new Figure("latency p50 (ms)", "latencyMs", "p50", false, true),
      new Figure("latency p95 (ms)", "latencyMs", "p95", false, true),
      new Figure("latency p99 (ms)", "latencyMs", "p99", false, true),
      new Figure("queue p50 (ms)", "queueMs", "p50", false, false),
      new Figure("compute p50 (ms)", "computeMs", "p50", false, false));
  static final String USAGE = "usage: SlaMain compare BASE.json NEW.json [--max-regression PERCENT] [--out DIR]\n"
      + "  BASE.json, NEW.json   sla-results.json of two runs (e.g. main and a pull request)\n"
      + "  --max-regression      percent a judged figure may get worse (default 10)\n"
      + "  --out                 folder for comparison.html (default: beside NEW.json)\n"
      + "exit status: 0 no regression, 1 a figure regressed, 2 usage error";

  private SlaCompare() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> files = new ArrayList<>();
    double maxRegression = 10;
    Path folder = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--help") || a.equals("-h")) {
          out.println(USAGE);
          return SlaMain.MET;
        } else if (a.equals("--max-regression") || a.equals("--out")) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(a + " needs a value");
          }
          String v = args[++i];
          if (a.equals("--out")) {
            folder = Path.of(v);
          } else {
            maxRegression = percent(v);
          }
        } else if (a.startsWith("--")) {
          throw new IllegalArgumentException("unknown option " + a + "; expected --max-regression or --out");
        } else {
          files.add(a);
        }
      }
      if (files.size() != 2) {
        throw new IllegalArgumentException("got " + files.size() + " result files; expected two, BASE then NEW");
      }
      Map<String, JsonNode> base = read(Path.of(files.get(0)));
      Map<String, JsonNode> next = read(Path.of(files.get(1)));
      Path html = (folder != null ? folder : Path.of(files.get(1)).toAbsolutePath().getParent())
          .resolve("comparison.html");
      return compare(base, next, maxRegression, files, html, out);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE);
      return SlaMain.USAGE;
    } catch (IOException e) {
      err.println("error: cannot write the comparison: " + e.getMessage());
      return SlaMain.USAGE;
    }
  }

  private static double percent(String v) {
    try {
      double d = Double.parseDouble(v);
      if (d >= 0 && Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--max-regression is '" + v + "'; expected a percent of 0 or more, e.g. 10");
  }

  private static Map<String, JsonNode> read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " as JSON (" + e.getMessage() + "); expected the "
          + "sla-results.json an SLA run writes");
    }
    if (root == null || !root.path("slas").isArray()) {
      throw new IllegalArgumentException(file + " has no \"slas\" list; expected the sla-results.json an SLA run "
          + "writes");
    }
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    root.get("slas").forEach(s -> byName.put(s.path("name").asText(), s.path("measured")));
    return byName;
  }

  private static int compare(Map<String, JsonNode> base, Map<String, JsonNode> next, double maxRegression,
      List<String> files, Path html, PrintStream out) throws IOException {
    List<String> regressions = new ArrayList<>();
    StringBuilder rows = new StringBuilder();
    for (Map.Entry<String, JsonNode> e : base.entrySet()) {
      JsonNode n = next.get(e.getKey());
      if (n == null) {
        out.println("SLA " + e.getKey() + ": only in " + files.get(0));
        continue;
      }
      out.println("SLA " + e.getKey());
      for (Figure f : FIGURES) {
        double b = value(e.getValue(), f);
        double v = value(n, f);
        double ratio = b == 0 ? (v == 0 ? 1 : Double.POSITIVE_INFINITY) : v / b;
        double worse = f.higherIsBetter ? (1 - ratio) * 100 : (ratio - 1) * 100;
        boolean regressed = f.judged && worse > maxRegression;
        String verdict = !f.judged ? "shown" : regressed ? "REGRESSED" : "ok";
        if (regressed) {
          regressions.add(e.getKey() + " " + f.label + String.format(Locale.ROOT, " %.1f%% worse", worse));
        }
        out.printf(Locale.ROOT, "  %-22s %12.3f -> %12.3f  x%.3f  %s%n", f.label, b, v, ratio, verdict);
        rows.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
            + "<td class=\"%s\">%s</td></tr>", HtmlReport.esc(e.getKey()), HtmlReport.esc(f.label), b, v, ratio,
            regressed ? "fail" : "", verdict));
      }
    }
    next.keySet().stream().filter(k -> !base.containsKey(k)).forEach(k -> out.println("SLA " + k + ": only in "
        + files.get(1)));
    Files.createDirectories(html.toAbsolutePath().getParent());
    Files.writeString(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>SLA comparison"
        + "</title><style>body{font-family:sans-serif;margin:24px}td,th{border:1px solid #ccc;padding:3px 8px}"
        + "table{border-collapse:collapse}.fail{background:#d62728;color:#fff}</style></head><body><h1>SLA comparison: "
        + (regressions.isEmpty() ? "no regression" : regressions.size() + " regression(s)") + "</h1><p>base "
        + HtmlReport.esc(files.get(0)) + ", new " + HtmlReport.esc(files.get(1)) + ", a figure regresses when more "
        + "than " + maxRegression + "% worse</p><table><tr><th>SLA</th><th>figure</th><th>base</th><th>new</th>"
        + "<th>new/base</th><th>verdict</th></tr>" + rows + "</table></body></html>\n");
    out.println("comparison: " + html);
    if (regressions.isEmpty()) {
      out.println("no figure regressed by more than " + maxRegression + "%");
      return SlaMain.MET;
    }
    out.println("regressed: " + regressions);
    return SlaMain.MISSED;
  }

  private static double value(JsonNode measured, Figure f) {
    JsonNode n = f.group == null ? measured.path(f.field) : measured.path(f.group).path(f.field);
    return n.asDouble(0);
  }
}
