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
}
