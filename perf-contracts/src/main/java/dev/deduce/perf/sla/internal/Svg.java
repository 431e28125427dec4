package dev.deduce.perf.sla.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The inline SVG the kit's HTML reports draw with: one chart frame (axes, y ticks, legend) and its marks. No script,
 * no font, no network, so a page opens from a CI artifact as it is.
 */
public final class Svg {

  /** Series colours, in order. */
  public static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#d62728", "#2ca02c"};
  /** Targets take colours no series takes, so a target never reads as a measurement. */
  public static final String[] TARGET_COLOURS = {"#555555", "#9467bd", "#8c564b"};

  /** The pages' style sheet: pass, fail and skip badges, tables, charts. */
  public static final String PAGE_STYLE = "body{font-family:sans-serif;margin:24px;color:#222}h1 span{padding:2px"
      + " 10px;border-radius:4px;color:#fff}.pass{background:#2ca02c}.fail{background:#d62728}.skip{background:#999}"
      + "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
      + "text-align:left;font-size:13px}svg{display:block;margin:6px 0 18px}";

  private Svg() {}

  /** {@code s} escaped for HTML text and attribute values. */
  public static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /** A number as an axis or legend shows it: whole above 100, else two decimals. */
  public static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  static String line(double x1, double y1, double x2, double y2, String colour, boolean dashed) {
    return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>", x1,
        y1, x2, y2, colour, dashed ? " stroke-dasharray=\"6,4\" stroke-width=\"1.5\"" : "");
  }

  static String text(double x, double y, String s, String colour) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s</text>", x, y,
        colour, esc(s));
  }

  /**
   * One chart: x from 0 to {@code xmax}, y from 0 to a little above {@code ymax}, written into a StringBuilder as
   * marks are added; {@link #close()} adds the legend and ends the element.
   */
  public static final class Plot {
    private static final int W = 760;
    private static final int H = 220;
    private static final int PAD = 48;
    private final StringBuilder b;
    private final double xmax;
    private final double ymax;
    private final List<String[]> legend = new ArrayList<>();

    /** Opens the chart with its title, both axes and five y ticks. */
    public Plot(StringBuilder b, String title, double xmax, double ymax) {
      this.b = b;
      this.xmax = xmax;
      this.ymax = ymax <= 0 ? 1 : ymax * 1.1;
      b.append("<svg width=\"").append(W).append("\" height=\"").append(H)
          .append("\" role=\"img\" aria-label=\"").append(esc(title)).append("\">")
          .append("<text x=\"").append(PAD).append("\" y=\"14\" font-size=\"13\" font-weight=\"bold\">")
          .append(esc(title)).append("</text>")
          .append(line(PAD, bottom(), right(), bottom(), "#000", false))
          .append(line(PAD, 24, PAD, bottom(), "#000", false));
      for (int i = 0; i <= 4; i++) {
        double v = this.ymax * i / 4;
        double y = py(v);
        b.append(line(PAD - 4, y, PAD, y, "#000", false)).append(text(2, y + 4, fmt(v), "#000"));
      }
    }

    private static double bottom() {
      return H - PAD / 2.0;
    }

    private static double right() {
      return W - 200;
    }

    /** The x pixel of {@code x}. */
    public double px(double x) {
      return PAD + (right() - PAD) * (xmax == 0 ? 0 : x / xmax);
    }

    /** The y pixel of {@code v}. */
    public double py(double v) {
      return bottom() - (bottom() - 24) * v / ymax;
    }

    /** Labels under the x axis: at its start and at its end. */
    public Plot xLabels(String start, String end) {
      b.append(text(PAD, H - 4, start, "#000")).append(text(W - 240, H - 4, end, "#000"));
      return this;
    }

    /** A line through the points, named in the legend. */
    public Plot polyline(double[] x, double[] y, String colour, String label) {
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < y.length; i++) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x[i]), py(y[i])));
      }
      b.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"")
          .append(pts).append("\"/>");
      legend.add(new String[] {colour, label});
      return this;
    }

    /** Dots at the points, each with a tooltip; named in the legend once. */
    public Plot dots(double[] x, double[] y, String[] tips, double radius, String colour, String label) {
      for (int i = 0; i < y.length; i++) {
        b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\">"
            + "<title>%s</title></circle>", px(x[i]), py(y[i]), radius, colour, esc(tips[i])));
      }
      legend.add(new String[] {colour, label});
      return this;
    }

    /** A dashed horizontal line at {@code y}, such as a latency target. */
    public Plot horizontal(double y, String colour, String label) {
      b.append(line(PAD, py(y), right(), py(y), colour, true));
      legend.add(new String[] {colour, label + " " + fmt(y) + " (dashed)"});
      return this;
    }

    /** A dashed vertical line at {@code x}, such as a throughput minimum. */
    public Plot vertical(double x, String colour, String label) {
      b.append(line(px(x), 24, px(x), bottom(), colour, true));
      legend.add(new String[] {colour, label + " " + fmt(x) + " (dashed)"});
      return this;
    }

    /** Draws the legend and ends the chart. */
    public void close() {
      for (int i = 0; i < legend.size(); i++) {
        String[] l = legend.get(i);
        b.append("<rect x=\"").append(W - 192).append("\" y=\"").append(30 + i * 18)
            .append("\" width=\"10\" height=\"10\" fill=\"").append(l[0]).append("\"/>")
            .append(text(W - 178, 39 + i * 18, l[1], "#000"));
      }
      b.append("</svg>\n");
    }
  }
}
