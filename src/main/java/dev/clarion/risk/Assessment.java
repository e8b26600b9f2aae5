package dev.clarion.risk;

import dev.clarion.binding.Extraction;
import dev.clarion.model.OnnxModel;
import java.util.List;

/**
 * The result of running one model for one patient: a score with its explanation, or a refusal with
 * the reasons.
 *
 * @param outcome scored or refused
 * @param reasonCode stable code of the refusal (null when scored)
 * @param reasons plain-language reasons for the refusal, each naming the input or resource
 * @param risk the predicted risk as a fraction (null when refused)
 * @param band risk band code (null when refused)
 * @param baseline risk of the reference profile
 * @param attributions contribution of each attributed input
 * @param model the exact model that produced it
 * @param extraction the inputs as found in FHIR, with provenance
 */
public record Assessment(
    Outcome outcome,
    String reasonCode,
    List<String> reasons,
    Double risk,
    String band,
    Double baseline,
    List<Attribution> attributions,
    OnnxModel model,
    Extraction extraction) {

  /** Outcome of a decision, as recorded. */
  public enum Outcome {
    SCORED,
    REFUSED,
    FAILED
  }

  /**
   * @param feature feature name
   * @param label label shown to clinicians
   * @param patientValue the patient's value
   * @param referenceValue the reference profile's value
   * @param contribution Shapley value in absolute risk (fraction)
   */
  public record Attribution(
      String feature,
      String label,
      double patientValue,
      double referenceValue,
      double contribution) {}

  public boolean scored() {
    return outcome == Outcome.SCORED;
  }
}
