package dev.clarion.explain;

import dev.clarion.model.OnnxModel;
import java.util.List;

/**
 * One interface for every kind of explanation: the prediction, the reference prediction, a
 * contribution per input that adds up to their difference, and any what-if rows scored in the same
 * batch. Chosen per model by {@code model.json}'s {@code explanation} ({@link Explainers}).
 */
public interface Explainer {

  /**
   * @param prediction f(patient)
   * @param baseline f(reference)
   * @param contributions per model input (0 for inputs that are not attributed); Σ = prediction −
   *     baseline
   * @param whatIf scores of the what-if rows, in the order given
   * @param itemPoints for point scores, each item's points for the patient; otherwise null
   */
  record Explanation(
      double prediction,
      double baseline,
      double[] contributions,
      double[] whatIf,
      double[] itemPoints) {}

  /**
   * @param patient the patient's feature row
   * @param reference the reference row; only its attributed positions are used
   * @param attributed which inputs receive a contribution
   * @param whatIfRows full feature rows to score in the same batch
   */
  Explanation explain(
      OnnxModel model,
      float[] patient,
      float[] reference,
      boolean[] attributed,
      List<float[]> whatIfRows);

  /** Rejects rows that do not have one value per model input. */
  static void checkWidths(
      OnnxModel model, float[] patient, float[] reference, boolean[] attributed) {
    int width = model.width();
    if (patient.length != width || reference.length != width || attributed.length != width) {
      throw new IllegalArgumentException("rows must have " + width + " features");
    }
  }
}
