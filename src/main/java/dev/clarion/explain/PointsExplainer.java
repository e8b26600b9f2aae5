package dev.clarion.explain;

import dev.clarion.model.OnnxModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Explanations of point scores (NEWS2, LACE): the points each item scored, read from the model's
 * item-points output in the same ONNX Runtime call that computes the total. A contribution is the
 * item's points minus the reference's points for that item (the reference profile scores 0 on every
 * item, so it is the item's points), and the contributions add up to total − reference total
 * exactly. Stateless and thread-safe.
 */
@ApplicationScoped
public class PointsExplainer implements Explainer {

  @Override
  public Explanation explain(
      OnnxModel model,
      float[] patient,
      float[] reference,
      boolean[] attributed,
      List<float[]> whatIfRows) {
    Explainer.checkWidths(model, patient, reference, attributed);
    int width = model.width();
    float[] referenceRow = patient.clone();
    for (int i = 0; i < width; i++) {
      if (attributed[i]) {
        referenceRow[i] = reference[i];
      }
    }
    float[] batch = new float[(2 + whatIfRows.size()) * width];
    System.arraycopy(patient, 0, batch, 0, width);
    System.arraycopy(referenceRow, 0, batch, width, width);
    for (int w = 0; w < whatIfRows.size(); w++) {
      System.arraycopy(whatIfRows.get(w), 0, batch, (2 + w) * width, width);
    }
    OnnxModel.Scores scores = model.predictWithItems(batch);
    double[] contributions = new double[width];
    double[] items = new double[width];
    for (int i = 0; i < width; i++) {
      items[i] = scores.items()[0][i];
      contributions[i] = attributed[i] ? items[i] - scores.items()[1][i] : 0;
    }
    double[] whatIf = new double[whatIfRows.size()];
    System.arraycopy(scores.totals(), 2, whatIf, 0, whatIf.length);
    return new Explanation(scores.totals()[0], scores.totals()[1], contributions, whatIf, items);
  }
}
