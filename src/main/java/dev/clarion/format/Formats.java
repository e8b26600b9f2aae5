package dev.clarion.format;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * How Clarion writes numbers, units and dates for people: on cards, the explanation page, the
 * auditor page and exports. One place, so a value reads the same everywhere.
 */
public final class Formats {

  private Formats() {}

  /** A fraction as a percentage with one decimal: {@code 0.088 → "8.8 %"}. */
  public static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
  }

  /**
   * A difference of fractions in signed percentage points: {@code -0.046 → "-4.6 percentage
   * points"} (never bare "points", which on a risk card reads like a point score).
   */
  public static String points(double fraction) {
    return String.format(Locale.ROOT, "%+.1f percentage points", fraction * 100);
  }

  /**
   * A difference of fractions as signed percentage points without the unit, for a list whose
   * heading names it: {@code 0.032 → "+3.2"}.
   */
  public static String signedPercent(double fraction) {
    return String.format(Locale.ROOT, "%+.1f", fraction * 100);
  }

  /** Microseconds as milliseconds with one decimal: {@code 12345 → "12.3"}. */
  public static String millis(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1e3);
  }

  /** A model's value as its scale says: points for a point score, else a percentage. */
  public static String value(boolean points, double value) {
    return points ? score(value) : percent(value);
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

  /**
   * A value in a UCUM unit as clinicians write it, the same on cards, the explanation page and the
   * auditor page: {@code mm[Hg] → "mm Hg"}, {@code a → "years"}, {@code Cel → "°C"}, annotations
   * dropped; a unit of {@code 1} is a yes/no flag.
   */
  public static String quantity(double v, String ucum) {
    if (ucum == null) {
      return plain(v);
    }
    if ("1".equals(ucum)) {
      return v >= 0.5 ? "yes" : "no";
    }
    String unit =
        switch (ucum) {
          case "a" -> "years";
          case "mm[Hg]" -> "mm Hg";
          case "Cel" -> "°C";
          case "d" -> "days";
          case "mL/min/{1.73_m2}" -> "mL/min/1.73 m²";
          case "kg/m2" -> "kg/m²";
          default -> ucum.startsWith("{") ? "" : ucum;
        };
    return unit.isEmpty() ? plain(v) : plain(v) + " " + unit;
  }

  /** The text with its first letter in upper case: "high-intensity statin" → "High-…". */
  public static String capitalized(String text) {
    return text == null || text.isEmpty()
        ? text
        : text.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + text.substring(1);
  }

  /** At most one decimal, no trailing zeros: {@code 143.14 → "143.1"}, {@code 120.0 → "120"}. */
  public static String plain(double v) {
    return java.math.BigDecimal.valueOf(v)
        .setScale(1, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** The UTC calendar day of an instant: {@code 2026-07-26T21:07:59Z → 2026-07-26}. */
  public static String day(Instant instant) {
    return instant == null ? "" : instant.atZone(ZoneOffset.UTC).toLocalDate().toString();
  }

  /** The ISO date of a FHIR date or date-time ({@code 2026-07-26T21:07:59+00:00 → 2026-07-26}). */
  public static String day(String date) {
    return date == null ? "" : date.substring(0, Math.min(10, date.length()));
  }
}
