package dev.clarion.web;

import dev.clarion.format.Formats;
import java.util.List;
import java.util.Locale;

/**
 * Small server-rendered SVG charts for the auditor page: no script, no external assets, every label
 * escaped (auditor page, explanation page). Each chart carries a {@code <title>} and a table-like
 * {@code aria-label} so it reads without the picture.
 */
public final class SvgCharts {

  /** One bar: its label, length, the text printed beside it and a CSS class for its colour. */
  public record Bar(String label, double value, String text, String kind) {
    public Bar(String label, double value, String text) {
      this(label, value, text, "bar");
    }
  }

  /** A vertical line across a horizontal bar chart (e.g. a PSI threshold). */
  public record Marker(double value, String label) {}

  private static final int WIDTH = 560;
  private static final int LABEL_WIDTH = 190;
  private static final int ROW = 24;

  private SvgCharts() {}

  /**
   * Horizontal bars scaled to {@code max} (or to the largest value when {@code max} ≤ 0), with
   * optional markers.
   */
  public static String bars(String title, List<Bar> bars, double max, List<Marker> markers) {
    if (bars.isEmpty()) {
      return "<p class=\"empty\">" + escape(title) + ": no data in this window.</p>";
    }
    double scale = max > 0 ? max : bars.stream().mapToDouble(Bar::value).max().orElse(1);
    for (Marker m : markers) {
      scale = Math.max(scale, m.value() * 1.1);
    }
    if (scale <= 0) {
      scale = 1;
    }
    int plot = WIDTH - LABEL_WIDTH - 90;
    int top = markers.isEmpty() ? 4 : 18;
    int height = top + bars.size() * ROW + 6;
    StringBuilder svg = open(title, height, summary(bars));
    for (Marker m : markers) {
      int x = LABEL_WIDTH + (int) Math.round(plot * m.value() / scale);
      svg.append(
          String.format(
              Locale.ROOT,
              "<line class=\"marker\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                  + "<text class=\"marker-label\" x=\"%d\" y=\"12\" text-anchor=\"middle\">%s</text>",
              x,
              x,
              top - 4,
              height - 2,
              x,
              escape(m.label())));
    }
    for (int i = 0; i < bars.size(); i++) {
      Bar b = bars.get(i);
      int y = top + i * ROW;
      int w = (int) Math.round(plot * Math.max(0, b.value()) / scale);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                  + "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\"/>"
                  + "<text class=\"value\" x=\"%d\" y=\"%d\">%s</text>",
              LABEL_WIDTH - 8,
              y + 16,
              escape(b.label()),
              escape(b.kind()),
              LABEL_WIDTH,
              y + 4,
              Math.max(w, 1),
              ROW - 8,
              LABEL_WIDTH + Math.max(w, 1) + 6,
              y + 16,
              escape(b.text())));
    }
    return svg.append("</svg>").toString();
  }

  /** What one input contributed to a score, as a chart shows it. */
  public record Contribution(String label, double value) {}

  /**
   * One bar per contribution: length |φ|, red when it raises the risk, green when it lowers it.
   *
   * @param points whether the contributions are a point score's item points (labelled "+3") rather
   *     than fractions (labelled as signed percentage points, the unit the caption names)
   */
  public static List<Bar> contributions(List<Contribution> contributions, boolean points) {
    return contributions.stream()
        .map(
            c ->
                new Bar(
                    c.label(),
                    Math.abs(c.value()),
                    points ? Formats.signedScore(c.value()) : Formats.points(c.value()),
                    c.value() >= 0 ? "bar up" : "bar down"))
        .toList();
  }

  /** Vertical bars over equal bins, with the x axis labelled every {@code labelEvery} bins. */
  public static String histogram(
      String title, long[] counts, List<String> binLabels, int labelEvery) {
    long max = 0;
    long total = 0;
    for (long c : counts) {
      max = Math.max(max, c);
      total += c;
    }
    if (total == 0) {
      return "<p class=\"empty\">" + escape(title) + ": no scored decisions in this window.</p>";
    }
    int left = 40;
    int plotHeight = 150;
    int height = plotHeight + 40;
    double barWidth = (WIDTH - left - 10.0) / counts.length;
    StringBuilder description = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        description.append(binLabels.get(i)).append(": ").append(counts[i]).append("; ");
      }
    }
    StringBuilder svg = open(title, height, description.toString());
    svg.append(
        String.format(
            Locale.ROOT,
            "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                + "<text class=\"value\" x=\"%d\" y=\"14\" text-anchor=\"end\">%d</text>",
            left,
            WIDTH - 10,
            plotHeight + 10,
            plotHeight + 10,
            left - 6,
            max));
    for (int i = 0; i < counts.length; i++) {
      double h = (double) plotHeight * counts[i] / max;
      double x = left + i * barWidth;
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                  + "<title>%s: %d</title></rect>",
              x + 1,
              plotHeight + 10 - h,
              barWidth - 2,
              h,
              escape(binLabels.get(i)),
              counts[i]));
      if (i % labelEvery == 0) {
        svg.append(
            String.format(
                Locale.ROOT,
                "<text class=\"tick\" x=\"%.1f\" y=\"%d\">%s</text>",
                x,
                plotHeight + 26,
                escape(binLabels.get(i).replaceAll("[–-].*", ""))));
      }
    }
    return svg.append("</svg>").toString();
  }

  private static StringBuilder open(String title, int height, String description) {
    return new StringBuilder(512)
        .append(
            String.format(
                Locale.ROOT,
                "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
                    + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">"
                    + "<title>%s</title>",
                WIDTH,
                height,
                WIDTH,
                height,
                escape(title + ". " + description),
                escape(title)));
  }

  private static String summary(List<Bar> bars) {
    StringBuilder s = new StringBuilder();
    for (Bar b : bars) {
      s.append(b.label()).append(": ").append(b.text()).append("; ");
    }
    return s.toString();
  }

  /** XML/HTML text and attribute escaping. */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (c >= 0x20 || c == '\n' || c == '\t') {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
