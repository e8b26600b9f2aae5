package dev.clarion.support;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what {@code /q/metrics} serves. */
public final class Prometheus {

  private Prometheus() {}

  // Label values are quoted and may hold braces (uri="/cds-services/{id}").
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-z_]+)(\\{(?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*\\})?\\s+(\\S+)");

  /** Prometheus text format: series (name and labels, labels sorted) → value. */
  public static Map<String, Double> parse(String text) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.find()) {
        continue;
      }
      String labels = m.group(2) == null ? "" : sortLabels(m.group(2));
      try {
        out.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
      } catch (NumberFormatException e) {
        // NaN and the like: not needed here
      }
    }
    return out;
  }

  private static String sortLabels(String braces) {
    String inner = braces.substring(1, braces.length() - 1);
    List<String> parts =
        Pattern.compile(",(?=[a-z_]+=\")")
            .splitAsStream(inner)
            .filter(p -> !p.isBlank())
            .sorted()
            .toList();
    return "{" + String.join(",", parts) + "}";
  }
}
