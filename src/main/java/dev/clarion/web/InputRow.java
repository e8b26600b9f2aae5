package dev.clarion.web;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** A recorded model input as pages show it: readable value and unit, date, source, status. */
public record InputRow(
    String name, String value, String date, String source, String status, String note) {

  /** From one entry of a decision record's {@code inputs.features}. */
  public static InputRow of(JsonNode f) {
    String source = f.path("source").asText("");
    // Presence of a Condition / MedicationRequest is a 0/1 flag with no unit of its own.
    boolean flag =
        !f.hasNonNull("unit")
            && (source.startsWith("Condition/")
                || source.startsWith("MedicationRequest/")
                || f.path("status").asText().equals("ABSENT"));
    return new InputRow(
        f.path("name").asText(),
        f.hasNonNull("value")
            ? value(f.get("value").asDouble(), flag ? "1" : f.path("unit").asText(null))
            : "—",
        f.path("date").asText(""),
        f.path("source").asText(""),
        f.path("status").asText("").toLowerCase(Locale.ROOT)
            + (f.path("stale").asBoolean() ? ", stale" : ""),
        f.path("note").asText(""));
  }

  /** A value with a readable unit: 0/1 flags as no/yes, UCUM codes as people write them. */
  public static String value(double v, String unit) {
    if (unit == null || unit.equals("1")) {
      return unit != null && (v == 0 || v == 1) ? (v == 1 ? "yes" : "no") : trim(v);
    }
    String shown =
        switch (unit) {
          case "a" -> "years";
          case "mm[Hg]" -> "mmHg";
          case "Cel" -> "°C";
          case "mL/min/{1.73_m2}" -> "mL/min/1.73 m²";
          default -> unit;
        };
    return trim(v) + " " + shown;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
  }
}
