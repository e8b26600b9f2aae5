package dev.clarion.web;

import dev.clarion.binding.FeatureValue;
import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.terminology.CodeMatch;
import java.util.Locale;

/**
 * A recorded model input as pages show it, in the card's words: the model's label for the input,
 * the value with its unit as clinicians write it, the ISO date, the source resource, the status,
 * the note and which value set recognised a coded finding.
 *
 * @param name the model's label ("Total cholesterol"), or the input's name when the model is not
 *     loaded any more
 * @param matched for a coded finding: the value set ({@code url|version}) or binding list that
 *     matched it, and how
 */
public record InputRow(
    String name,
    String value,
    String date,
    String source,
    String status,
    String note,
    String matched) {

  /** From one recorded input or fact of a decision, labelled by its model. */
  public static InputRow of(FeatureValue f, ModelDescriptor model) {
    ModelDescriptor.Feature feature =
        model == null || model.featureIndex(f.name()) < 0
            ? null
            : model.features().get(model.featureIndex(f.name()));
    String unit = feature != null ? feature.unit() : f.unit();
    return new InputRow(
        feature != null ? feature.label() : words(f.name()),
        f.value() != null ? Formats.quantity(f.value(), unit) : "—",
        Formats.day(f.date()),
        f.source() == null ? "" : f.source(),
        (f.status() == null ? "" : f.status().name().toLowerCase(Locale.ROOT))
            + (f.stale() ? ", stale" : ""),
        f.note() == null ? "" : f.note(),
        matched(f.matchedBy()));
  }

  /** A recorded fact's name in words: {@code statinIntensity → "Statin intensity"}. */
  static String words(String name) {
    String spaced = name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder();
    for (String word : spaced.split(" ")) {
      // Laboratory abbreviations keep their case: "ldl" → "LDL", "egfr" → "eGFR".
      String w = ACRONYMS.getOrDefault(word, word);
      out.append(out.length() == 0 ? "" : " ").append(w);
    }
    String text = out.toString();
    return text.isEmpty() || !Character.isLowerCase(text.charAt(0))
        ? text
        : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  private static final java.util.Map<String, String> ACRONYMS =
      java.util.Map.of("ldl", "LDL", "hdl", "HDL", "uacr", "UACR", "egfr", "eGFR", "bmi", "BMI");

  /**
   * A recorded {@code matchedBy} in words: "Diabetes (url|version), code in value set E11.9"; ""
   * when there is none. The one phrasing of a code match on the pages.
   */
  public static String matched(CodeMatch m) {
    if (m == null) {
      return "";
    }
    // A way this version does not know reads back as null.
    String way = m.via() == null ? "matched" : m.via().label();
    String code = m.code() == null ? "" : m.code();
    return m.valueSet() != null
        ? m.valueSetTitle() + " (" + m.valueSet() + "), " + way + " " + code
        : way + " " + code;
  }
}
