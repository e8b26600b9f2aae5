package dev.clarion.web;

import java.util.Locale;

/** How risks and risk differences are written on cards and pages. */
public final class Formats {

  private Formats() {}

  /** A fraction as a percentage with one decimal: {@code 0.088 → "8.8 %"}. */
  public static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
  }

  /** A difference of fractions in signed percentage points: {@code -0.046 → "-4.6 points"}. */
  public static String points(double fraction) {
    return String.format(Locale.ROOT, "%+.1f points", fraction * 100);
  }

  /** A recorded output value as its decision's scale says: percent, or points when "points". */
  public static String recorded(com.fasterxml.jackson.databind.JsonNode output, double value) {
    return "points".equals(output.path("scale").asText()) ? score(value) : percent(value);
  }

  /** A point score: {@code 7 → "7 points"}, {@code 1 → "1 point"}. */
  public static String score(double points) {
    long whole = Math.round(points);
    return whole == 1 ? "1 point" : whole + " points";
  }

  /** A difference of point scores, signed: {@code 3 → "+3"}, {@code 0 → "0"}. */
  public static String signedScore(double points) {
    long whole = Math.round(points);
    return whole == 0 ? "0" : String.format(Locale.ROOT, "%+d", whole);
  }
}
