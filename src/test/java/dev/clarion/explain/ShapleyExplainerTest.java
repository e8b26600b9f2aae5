package dev.clarion.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.model.ModelLoader;
import dev.clarion.model.OnnxModel;
import dev.clarion.model.PooledCohortEquations;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ShapleyExplainerTest {

  static OnnxModel model;
  static final ShapleyExplainer EXPLAINER = new ShapleyExplainer();
  static final boolean[] ATTRIBUTED = {true, true, true, true, true, true, true, false, false};
  static final float[] REFERENCE = {40, 170, 50, 110, 0, 0, 0, 0, 0};

  @BeforeAll
  static void load() {
    model =
        ModelLoader.load(
            Path.of("models/ascvd-pce/model.json"),
            new ObjectMapper(),
            OrtEnvironment.getEnvironment(),
            1);
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  @Test
  void contributionsSumToPredictionMinusReference() {
    float[][] patients = {
      {55, 213, 50, 140, 0, 0, 0, 1, 0},
      {68, 260, 35, 165, 1, 1, 1, 0, 1},
      {42, 150, 80, 118, 0, 1, 0, 1, 1},
      {79, 320, 20, 200, 1, 1, 1, 0, 0}
    };
    for (float[] patient : patients) {
      float[] reference = withFixed(patient);
      dev.clarion.explain.Explainer.Explanation e =
          EXPLAINER.explain(model, patient, reference, ATTRIBUTED, List.of());
      double sum = 0;
      for (double phi : e.contributions()) {
        sum += phi;
      }
      assertEquals(e.prediction() - e.baseline(), sum, 1e-9);
      assertEquals(javaRisk(patient), e.prediction(), 1e-5);
      assertEquals(javaRisk(reference), e.baseline(), 1e-5);
    }
  }

  @Test
  void inputAtItsReferenceValueGetsNoContribution() {
    // Dummy property: HDL and smoking equal the reference, so they explain nothing.
    float[] patient = {62, 240, 50, 150, 1, 0, 1, 0, 0};
    dev.clarion.explain.Explainer.Explanation e =
        EXPLAINER.explain(model, patient, withFixed(patient), ATTRIBUTED, List.of());
    assertEquals(0.0, e.contributions()[2], 1e-12);
    assertEquals(0.0, e.contributions()[5], 1e-12);
    assertEquals(0.0, e.contributions()[7], 0.0, "sex selects the equation, never attributed");
  }

  @Test
  void singleDifferingInputTakesTheWholeDifference() {
    // Known case: only smoking differs from the reference, so φ_smoker = f(x) − f(ref).
    float[] patient = {40, 170, 50, 110, 0, 1, 0, 1, 0};
    dev.clarion.explain.Explainer.Explanation e =
        EXPLAINER.explain(model, patient, withFixed(patient), ATTRIBUTED, List.of());
    assertEquals(javaRisk(patient) - javaRisk(withFixed(patient)), e.contributions()[5], 1e-6);
  }

  @Test
  void whatIfRowsAreScoredInTheSameBatch() {
    float[] patient = {60, 220, 45, 150, 0, 1, 0, 0, 0};
    float[] quit = patient.clone();
    quit[5] = 0;
    dev.clarion.explain.Explainer.Explanation e =
        EXPLAINER.explain(model, patient, withFixed(patient), ATTRIBUTED, List.of(quit));
    assertEquals(javaRisk(quit), e.whatIf()[0], 1e-5);
  }

  @Test
  void weightsOfAllCoalitionsOfOnePlayerSumToOne() {
    for (int d = 1; d <= 12; d++) {
      double[] w = ShapleyExplainer.weights(d);
      double total = 0;
      for (int s = 0; s < d; s++) {
        total += w[s] * binomial(d - 1, s);
      }
      assertEquals(1.0, total, 1e-12, "d=" + d);
    }
  }

  private static float[] withFixed(float[] patient) {
    float[] ref = REFERENCE.clone();
    ref[7] = patient[7];
    ref[8] = patient[8];
    return ref;
  }

  private static double javaRisk(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return PooledCohortEquations.risk(d);
  }

  private static double binomial(int n, int k) {
    double r = 1;
    for (int i = 1; i <= k; i++) {
      r = r * (n - k + i) / i;
    }
    return r;
  }
}
