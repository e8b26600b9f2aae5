package dev.clarion.explain;

import dev.clarion.model.OnnxModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Exact interventional Shapley values for models with few inputs: every coalition S of the
 * attributed inputs becomes one hybrid row (patient values for inputs in S, reference values for
 * the others); all 2^d rows, plus any what-if rows, are scored in one batched ONNX Runtime call and
 * combined with the Shapley weights |S|!(d−|S|−1)!/d!. By construction Σφ = f(patient) −
 * f(reference).
 *
 * <p>Stateless and thread-safe.
 */
@ApplicationScoped
public class ShapleyExplainer implements Explainer {

  /** 2^12 rows is still one small batch; beyond that exact enumeration stops being cheap. */
  public static final int MAX_ATTRIBUTED = 12;

  @Override
  public Explanation explain(
      OnnxModel model,
      float[] patient,
      float[] reference,
      boolean[] attributed,
      List<float[]> whatIfRows) {
    Explainer.checkWidths(model, patient, reference, attributed);
    int width = model.width();
    int[] players = players(attributed);
    int d = players.length;
    if (d > MAX_ATTRIBUTED) {
      throw new IllegalArgumentException("exact Shapley supports at most " + MAX_ATTRIBUTED);
    }
    int coalitions = 1 << d;
    float[] batch = new float[(coalitions + whatIfRows.size()) * width];
    for (int mask = 0; mask < coalitions; mask++) {
      int offset = mask * width;
      System.arraycopy(patient, 0, batch, offset, width);
      for (int j = 0; j < d; j++) {
        if ((mask & (1 << j)) == 0) {
          batch[offset + players[j]] = reference[players[j]];
        }
      }
    }
    for (int w = 0; w < whatIfRows.size(); w++) {
      System.arraycopy(whatIfRows.get(w), 0, batch, (coalitions + w) * width, width);
    }
    double[] f = model.predict(batch);

    double[] weight = weights(d);
    double[] phi = new double[width];
    for (int j = 0; j < d; j++) {
      int bit = 1 << j;
      double sum = 0;
      for (int mask = 0; mask < coalitions; mask++) {
        if ((mask & bit) == 0) {
          sum += weight[Integer.bitCount(mask)] * (f[mask | bit] - f[mask]);
        }
      }
      phi[players[j]] = sum;
    }
    double[] whatIf = new double[whatIfRows.size()];
    System.arraycopy(f, coalitions, whatIf, 0, whatIf.length);
    return new Explanation(f[coalitions - 1], f[0], phi, whatIf, null);
  }

  private static int[] players(boolean[] attributed) {
    int count = 0;
    for (boolean a : attributed) {
      count += a ? 1 : 0;
    }
    int[] players = new int[count];
    int k = 0;
    for (int i = 0; i < attributed.length; i++) {
      if (attributed[i]) {
        players[k++] = i;
      }
    }
    return players;
  }

  /** weight[s] = s!(d−s−1)!/d! for a coalition of size s not containing the player. */
  static double[] weights(int d) {
    double[] w = new double[Math.max(d, 1)];
    for (int s = 0; s < d; s++) {
      w[s] = factorial(s) * factorial(d - s - 1) / factorial(d);
    }
    return w;
  }

  private static double factorial(int n) {
    double r = 1;
    for (int i = 2; i <= n; i++) {
      r *= i;
    }
    return r;
  }
}
