package dev.clarion.binding;

import dev.clarion.terminology.CodeMatch;
import java.util.List;

/**
 * Everything found in the patient's data for one model.
 *
 * @param features one value per model input, in the model's input order
 * @param exclusions reasons the patient is outside the intended population, in words for the card
 *     (e.g. "ASCVD history: Acute myocardial infarction (onset 2023-12-02)")
 * @param excludedBy the same exclusions with their source resource and how its code matched
 * @param recorded the binding's recorded facts that are not model inputs (e.g. statin intensity)
 * @param notes other remarks (wrong-patient resources dropped, unsupported units …)
 * @param basis references of every resource a value was taken from
 */
public record Extraction(
    List<FeatureValue> features,
    List<String> exclusions,
    List<String> notes,
    List<String> basis,
    List<Excluded> excludedBy,
    List<FeatureValue> recorded) {

  public Extraction {
    // Records made before these existed have neither.
    excludedBy = excludedBy == null ? List.of() : excludedBy;
    recorded = recorded == null ? List.of() : recorded;
  }

  public Extraction(
      List<FeatureValue> features,
      List<String> exclusions,
      List<String> notes,
      List<String> basis) {
    this(features, exclusions, notes, basis, List.of(), List.of());
  }

  /**
   * One finding that puts the patient outside the model's population.
   *
   * @param reason the binding's reason ("ASCVD history")
   * @param display the finding as recorded ("Acute myocardial infarction")
   * @param source the resource it came from, with version
   * @param onset its onset, if recorded
   * @param matchedBy the value set (url|version) or binding list its code matched, and how
   */
  public record Excluded(
      String reason, String display, String source, String onset, CodeMatch matchedBy) {}

  /**
   * The same extraction with the facts of the orders a clinician is selecting ({@code selected.*})
   * recorded beside the patient's own.
   */
  public Extraction withSelected(List<FeatureValue> selected) {
    if (selected.isEmpty()) {
      return this;
    }
    List<FeatureValue> all = new java.util.ArrayList<>(recorded);
    all.addAll(selected);
    return new Extraction(features, exclusions, notes, basis, excludedBy, List.copyOf(all));
  }

  public FeatureValue feature(String name) {
    return features.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
  }
}
