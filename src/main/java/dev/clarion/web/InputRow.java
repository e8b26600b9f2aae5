package dev.clarion.web;

import com.fasterxml.jackson.databind.JsonNode;
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

  /** From one entry of a decision record's {@code inputs.features}, labelled by its model. */
  public static InputRow of(JsonNode f, ModelDescriptor model) {
    String name = f.path("name").asText();
    ModelDescriptor.Feature feature =
        model == null || model.featureIndex(name) < 0
            ? null
            : model.features().get(model.featureIndex(name));
    String unit = feature != null ? feature.unit() : f.path("unit").asText(null);
    return new InputRow(
        feature != null ? feature.label() : words(name),
        f.hasNonNull("value") ? Formats.quantity(f.get("value").asDouble(), unit) : "—",
        Formats.day(f.path("date").asText(null)),
        f.path("source").asText(""),
        f.path("status").asText("").toLowerCase(Locale.ROOT)
            + (f.path("stale").asBoolean() ? ", stale" : ""),
        f.path("note").asText(""),
        matched(f.path("matchedBy")));
  }

  /** A recorded fact's name in words: {@code statinIntensity → "Statin intensity"}. */
  static String words(String name) {
    String spaced = name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    return spaced.isEmpty()
        ? spaced
        : Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
  }

  /**
   * A recorded {@code matchedBy} in words: "Diabetes (url|version), code in value set E11.9"; ""
   * when there is none. The one phrasing of a code match on the pages.
   */
  public static String matched(JsonNode m) {
    if (m.isMissingNode() || m.isNull()) {
      return "";
    }
    String way;
    try {
      way = CodeMatch.Via.valueOf(m.path("via").asText()).label();
    } catch (IllegalArgumentException e) {
      way = m.path("via").asText(); // a way this version does not know
    }
    String code = m.path("code").asText("");
    return m.hasNonNull("valueSet")
        ? m.path("valueSetTitle").asText()
            + " ("
            + m.get("valueSet").asText()
            + "), "
            + way
            + " "
            + code
        : way + " " + code;
  }
}
