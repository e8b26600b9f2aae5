package dev.clarion.explain;

import dev.clarion.model.OnnxModel;
import dev.clarion.model.TreeEnsemble;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * TreeSHAP for gradient-boosted trees (Lundberg, Erion, Lee 2018, Algorithm 2: path-dependent,
 * exact, polynomial time): SHAP values of the margin (log-odds), the expected margin over the
 * training data (from the node covers) as the baseline; they add up to margin − expected margin
 * exactly and equal XGBoost's {@code predictContrib} (tested). For the card they are shown in
 * probability points, scaled by (p − p₀)/(margin − margin₀) so they add up to risk − baseline risk.
 * The prediction and what-ifs come from the ONNX graph in one batch. Stateless and thread-safe.
 */
@ApplicationScoped
public class TreeShapExplainer implements Explainer {

  @Override
  public Explanation explain(
      OnnxModel model,
      float[] patient,
      float[] reference,
      boolean[] attributed,
      List<float[]> whatIfRows) {
    Explainer.checkWidths(model, patient, reference, attributed);
    TreeEnsemble trees = model.trees();
    int width = model.width();
    float[] batch = new float[(1 + whatIfRows.size()) * width];
    System.arraycopy(patient, 0, batch, 0, width);
    for (int w = 0; w < whatIfRows.size(); w++) {
      System.arraycopy(whatIfRows.get(w), 0, batch, (1 + w) * width, width);
    }
    double[] f = model.predict(batch);
    double[] logit = shap(trees, patient);
    double margin = trees.margin(patient);
    double expected = trees.expectedMargin();
    double p = f[0];
    double p0 = sigmoid(expected);
    double scale =
        Math.abs(margin - expected) < 1e-12 ? p * (1 - p) : (p - p0) / (margin - expected);
    double[] contributions = new double[width];
    for (int i = 0; i < width; i++) {
      contributions[i] = attributed[i] ? logit[i] * scale : 0;
    }
    double[] whatIf = new double[whatIfRows.size()];
    System.arraycopy(f, 1, whatIf, 0, whatIf.length);
    return new Explanation(p, p0, contributions, whatIf, null);
  }

  /** SHAP values of the margin for one row, one per input (the bias is the expected margin). */
  public static double[] shap(TreeEnsemble ensemble, float[] x) {
    double[] phi = new double[ensemble.width()];
    for (TreeEnsemble.Tree t : ensemble.trees()) {
      int depth = depth(t, 0);
      recurse(t, x, phi, 0, new Path(depth + 2), 0, 1, 1, -1);
    }
    return phi;
  }

  /** The unique path of Algorithm 2: feature, zero and one fractions, permutation weight. */
  private static final class Path {
    final int[] feature;
    final double[] zero;
    final double[] one;
    final double[] weight;

    Path(int size) {
      feature = new int[size];
      zero = new double[size];
      one = new double[size];
      weight = new double[size];
    }

    Path copy(int size) {
      Path p = new Path(feature.length);
      System.arraycopy(feature, 0, p.feature, 0, size);
      System.arraycopy(zero, 0, p.zero, 0, size);
      System.arraycopy(one, 0, p.one, 0, size);
      System.arraycopy(weight, 0, p.weight, 0, size);
      return p;
    }
  }

  private static void recurse(
      TreeEnsemble.Tree t,
      float[] x,
      double[] phi,
      int node,
      Path parent,
      int depth,
      double zeroFraction,
      double oneFraction,
      int feature) {
    Path path = parent.copy(depth + 1);
    extend(path, depth, zeroFraction, oneFraction, feature);
    if (t.leaf()[node]) {
      for (int i = 1; i <= depth; i++) {
        double w = unwoundSum(path, depth, i);
        phi[path.feature[i]] += w * (path.one[i] - path.zero[i]) * t.value()[node];
      }
      return;
    }
    int split = t.feature()[node];
    float v = x[split];
    boolean goYes = Float.isNaN(v) ? t.missingYes()[node] : v < t.threshold()[node];
    int hot = goYes ? t.yes()[node] : t.no()[node];
    int cold = goYes ? t.no()[node] : t.yes()[node];
    double incomingZero = 1;
    double incomingOne = 1;
    int k = 0;
    while (k <= depth && path.feature[k] != split) {
      k++;
    }
    if (k != depth + 1) {
      incomingZero = path.zero[k];
      incomingOne = path.one[k];
      unwind(path, depth, k);
      depth -= 1;
    }
    double cover = t.cover()[node];
    recurse(
        t, x, phi, hot, path, depth + 1, t.cover()[hot] / cover * incomingZero, incomingOne, split);
    recurse(t, x, phi, cold, path, depth + 1, t.cover()[cold] / cover * incomingZero, 0, split);
  }

  private static void extend(Path p, int depth, double zero, double one, int feature) {
    p.feature[depth] = feature;
    p.zero[depth] = zero;
    p.one[depth] = one;
    p.weight[depth] = depth == 0 ? 1 : 0;
    for (int i = depth - 1; i >= 0; i--) {
      p.weight[i + 1] += one * p.weight[i] * (i + 1) / (double) (depth + 1);
      p.weight[i] = zero * p.weight[i] * (depth - i) / (double) (depth + 1);
    }
  }

  private static void unwind(Path p, int depth, int index) {
    double one = p.one[index];
    double zero = p.zero[index];
    double next = p.weight[depth];
    for (int i = depth - 1; i >= 0; i--) {
      if (one != 0) {
        double tmp = p.weight[i];
        p.weight[i] = next * (depth + 1) / ((i + 1) * one);
        next = tmp - p.weight[i] * zero * (depth - i) / (double) (depth + 1);
      } else {
        p.weight[i] = p.weight[i] * (depth + 1) / (zero * (depth - i));
      }
    }
    for (int i = index; i < depth; i++) {
      p.feature[i] = p.feature[i + 1];
      p.zero[i] = p.zero[i + 1];
      p.one[i] = p.one[i + 1];
    }
  }

  private static double unwoundSum(Path p, int depth, int index) {
    double one = p.one[index];
    double zero = p.zero[index];
    double next = p.weight[depth];
    double total = 0;
    for (int i = depth - 1; i >= 0; i--) {
      if (one != 0) {
        double tmp = next * (depth + 1) / ((i + 1) * one);
        total += tmp;
        next = p.weight[i] - tmp * zero * ((depth - i) / (double) (depth + 1));
      } else if (zero != 0) {
        total += (p.weight[i] / zero) / ((depth - i) / (double) (depth + 1));
      }
    }
    return total;
  }

  private static int depth(TreeEnsemble.Tree t, int node) {
    return t.leaf()[node] ? 0 : 1 + Math.max(depth(t, t.yes()[node]), depth(t, t.no()[node]));
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
