package dev.clarion.binding;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.clarion.terminology.CodeMatch;

/**
 * One model input as extracted from FHIR, with its provenance. Serialized into the decision record.
 *
 * @param name model feature name
 * @param value value in the model's unit; null when missing
 * @param unit the model's unit
 * @param original value and unit as recorded (e.g. "5.5 mmol/L"), or a coded answer
 * @param source resource reference the value came from ({@code Observation/123/_history/2}), or
 *     null when derived from absence (e.g. no diabetes condition recorded)
 * @param date effective date of the source (ISO-8601), if known
 * @param status how the value was obtained
 * @param stale whether the source is older than the binding's staleness limit
 * @param note plain-language remark shown on the card
 * @param matchedBy for a coded source (a Condition, a medication order): which value set ({@code
 *     url|version}) or binding list matched it, and which way (code, branded name, ingredient)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeatureValue(
    String name,
    Double value,
    String unit,
    String original,
    String source,
    String date,
    Status status,
    boolean stale,
    String note,
    CodeMatch matchedBy) {

  public FeatureValue(
      String name,
      Double value,
      String unit,
      String original,
      String source,
      String date,
      Status status,
      boolean stale,
      String note) {
    this(name, value, unit, original, source, date, status, stale, note, null);
  }

  /** How a feature value was obtained. */
  public enum Status {
    /** Read from a resource. */
    OBSERVED,
    /** No matching record, which the model reads as "no" (e.g. no diabetes condition). */
    ABSENT,
    /** Not available; the model cannot be scored without it. */
    MISSING
  }

  /** The same value with another note. */
  public FeatureValue withNote(String newNote) {
    return new FeatureValue(
        name, value, unit, original, source, date, status, stale, newNote, matchedBy);
  }

  public boolean missing() {
    return status == Status.MISSING;
  }

  /** A value read from {@code source}. */
  static FeatureValue observed(
      String name,
      Double value,
      String unit,
      String original,
      String source,
      String date,
      boolean stale,
      String note) {
    return new FeatureValue(
        name, value, unit, original, source, date, Status.OBSERVED, stale, note);
  }

  /** No matching record: the binding's value for "not recorded" (e.g. 0 for no diabetes). */
  static FeatureValue absent(String name, Binding.Input input) {
    return new FeatureValue(
        name,
        input.absent(),
        input.unit(),
        null,
        null,
        null,
        Status.ABSENT,
        false,
        input.absentNote());
  }

  /** No usable value: refuse (MISSING) or default with the binding's visible note (ABSENT). */
  static FeatureValue missing(String name, Binding.Input input, String original) {
    Binding.Missing policy = input.missing();
    String note = policy == null || policy.note() == null ? "Not found." : policy.note();
    if (policy != null && !policy.refuses()) {
      return new FeatureValue(
          name, policy.value(), input.unit(), original, null, null, Status.ABSENT, false, note);
    }
    return new FeatureValue(
        name, null, input.unit(), original, null, null, Status.MISSING, false, note);
  }
}
