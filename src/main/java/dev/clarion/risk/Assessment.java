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
 * @param whatIfs the risk with each applicable modifiable input at its target (same batch)
 * @param alsoReports the model's further outputs for this patient (e.g. other horizons)
 * @param notEstimated the further outputs left out for this patient, with why
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
    List<WhatIf> whatIfs,
    List<AlsoReport> alsoReports,
    List<NotEstimated> notEstimated,
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

  /**
   * @param feature feature name
   * @param label the change ("systolic BP 120 mm Hg")
   * @param from the patient's value
   * @param to the target value
   * @param risk the risk with the change (fraction)
   */
  public record WhatIf(String feature, String label, double from, double to, double risk) {}

  /**
   * @param output the ONNX output
   * @param label what it is
   * @param risk its value for this patient (fraction)
   */
  public record AlsoReport(String output, String label, double risk) {}

  /**
   * A further output left out.
   *
   * @param report the output as declared
   * @param beyondLimit the patient is past its {@code onlyWhen} limit
   * @param withoutInput the optional input it requires is missing or outside its range
   */
  public record NotEstimated(
      dev.clarion.model.ModelDescriptor.AlsoReport report,
      boolean beyondLimit,
      boolean withoutInput) {}

  /**
   * A what-if that changes several inputs at once (e.g. a treatment being ordered: systolic BP 120
   * and on treatment).
   *
   * @param label the change in words
   * @param set the inputs it sets, in order (a list: the order survives a jsonb round trip, which
   *     reorders object keys); the first one decides whether it applies
   */
  public record Scenario(String label, List<Change> set) {

    /** One input set to a value. */
    public record Change(String input, double value) {}

    /** The changes of a definition's {@code input → value} map, in its order. */
    public static Scenario of(String label, java.util.Map<String, Double> set) {
      return new Scenario(
          label, set.entrySet().stream().map(e -> new Change(e.getKey(), e.getValue())).toList());
    }

    /** The input that decides whether the scenario applies. */
    public Change first() {
      return set.get(0);
    }
  }

  public boolean scored() {
    return outcome == Outcome.SCORED;
  }
}
