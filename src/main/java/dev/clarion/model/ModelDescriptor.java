package dev.clarion.model;

import java.util.List;
import java.util.Map;

/**
 * A model's {@code model.json}: what the ONNX artifact is, what its inputs mean and where it may be
 * used. Loaded by {@link ModelRegistry}; every field is checked at start-up.
 *
 * @param id stable model id, the folder name under {@code models/}
 * @param name human-readable name shown on cards
 * @param label what the output is called in a card summary, e.g. "10-year ASCVD risk"
 * @param version exact version; every decision names it
 * @param artifact ONNX file name inside the model folder
 * @param sha256 pinned hex sha256 of the artifact; a mismatch stops the server
 * @param input name of the ONNX input tensor, float[N, features.size()]
 * @param output name of the ONNX output tensor, float[N, 1]
 * @param outcome what the output predicts, in plain words
 * @param horizonYears prediction horizon
 * @param citation the publication the equation comes from
 * @param intendedPopulation who the model is validated for, in plain words
 * @param features input columns in tensor order
 * @param reference reference profile that explanations are computed against
 * @param bands risk bands in ascending order; the last one has no upper bound
 */
public record ModelDescriptor(
    String id,
    String name,
    String label,
    String version,
    String artifact,
    String sha256,
    String input,
    String output,
    String outcome,
    int horizonYears,
    String citation,
    String intendedPopulation,
    List<Feature> features,
    Reference reference,
    List<Band> bands) {

  /**
   * One input column.
   *
   * @param name feature name, also the binding key
   * @param label label shown to clinicians
   * @param unit unit of the value the model expects (UCUM where one exists)
   * @param min lowest validated value (inclusive), or null when unbounded
   * @param max highest validated value (inclusive), or null when unbounded
   * @param attributed whether the explanation attributes risk to this input; inputs that only
   *     select an equation (sex, race) are held at the patient's value
   * @param whatIf a clinically sensible target for a modifiable input, or null
   */
  public record Feature(
      String name,
      String label,
      String unit,
      Double min,
      Double max,
      boolean attributed,
      WhatIf whatIf) {}

  /**
   * What the risk would be if a modifiable input were at a target (e.g. systolic BP 120 mm Hg,
   * non-smoker), shown when the patient's value is on the other side of it.
   *
   * @param target the value to rescore with
   * @param label what the change is, as clinicians say it ("systolic BP 120 mm Hg")
   * @param direction {@code decrease} (shown when the patient's value is above the target) or
   *     {@code increase} (shown when below)
   */
  public record WhatIf(double target, String label, String direction) {

    /** Whether the change applies to a patient with this value. */
    public boolean appliesTo(double value) {
      return direction.equals("increase") ? value < target : value > target;
    }
  }

  /**
   * @param description "compared with …" sentence shown on the card
   * @param values values of the attributed features; the others come from the patient
   */
  public record Reference(String description, Map<String, Double> values) {}

  /**
   * @param code band code (e.g. {@code intermediate})
   * @param upper exclusive upper bound as a fraction, or null for the last band
   * @param indicator CDS Hooks card indicator for this band
   */
  public record Band(String code, Double upper, String indicator) {}

  public int featureIndex(String featureName) {
    for (int i = 0; i < features.size(); i++) {
      if (features.get(i).name().equals(featureName)) {
        return i;
      }
    }
    return -1;
  }

  public Band bandOf(double risk) {
    for (Band band : bands) {
      if (band.upper() == null || risk < band.upper()) {
        return band;
      }
    }
    return bands.get(bands.size() - 1);
  }
}
