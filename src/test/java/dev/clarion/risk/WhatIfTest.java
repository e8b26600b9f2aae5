package dev.clarion.risk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Extraction;
import dev.clarion.binding.FeatureValue;
import dev.clarion.explain.Explainers;
import dev.clarion.explain.PointsExplainer;
import dev.clarion.explain.ShapleyExplainer;
import dev.clarion.explain.TreeShapExplainer;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.ModelLoader;
import dev.clarion.model.OnnxModel;
import dev.clarion.model.PooledCohortEquations;
import dev.clarion.model.PreventEquations;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * What-if: the risk with each modifiable input at its target, scored in the same batch as the
 * attributions, equals the equation evaluated with that one change; it is only offered when the
 * patient's value is on the other side of the target.
 */
class WhatIfTest {

  static final RiskAssessor ASSESSOR =
      new RiskAssessor(
          new Explainers(new ShapleyExplainer(), new PointsExplainer(), new TreeShapExplainer()));

  @Test
  void pceSmokerWithHighBloodPressureGetsBothChanges() throws Exception {
    // White man, 55, TC 213, HDL 50, untreated SBP 140, smoker, no diabetes.
    double[] x = {55, 213, 50, 140, 0, 1, 0, 0, 0};
    Assessment a = assess("ascvd-pce", x);
    assertEquals(PooledCohortEquations.risk(x), a.risk(), 1e-5);
    assertEquals(2, a.whatIfs().size(), a.whatIfs().toString());
    check(a, "systolicBp", 120, x, 3, PooledCohortEquations::risk);
    check(a, "smoker", 0, x, 5, PooledCohortEquations::risk);
  }

  @Test
  void nothingToOfferANonSmokerAtTarget() throws Exception {
    double[] x = {55, 213, 50, 118, 0, 0, 0, 0, 0};
    assertTrue(assess("ascvd-pce", x).whatIfs().isEmpty());
  }

  @Test
  void preventOffersTheSameChanges() throws Exception {
    // Woman, 50, TC 200, HDL 45, treated SBP 160, no statin, diabetes, smoker, eGFR 90, BMI 28.
    double[] x = {50, 200, 45, 160, 1, 0, 1, 1, 90, 1, 28};
    Assessment a = assess("prevent-cvd", x);
    assertEquals(PreventEquations.cvd10(x), a.risk(), 1e-5);
    check(a, "systolicBp", 120, x, 3, PreventEquations::cvd10);
    check(a, "smoker", 0, x, 7, PreventEquations::cvd10);
    assertTrue(
        a.whatIfs().stream().allMatch(w -> w.risk() < a.risk()), "both changes lower the risk");
  }

  static void check(
      Assessment a,
      String feature,
      double target,
      double[] x,
      int column,
      ToDoubleFunction<double[]> equation) {
    Assessment.WhatIf w =
        a.whatIfs().stream().filter(v -> v.feature().equals(feature)).findFirst().orElseThrow();
    double[] changed = x.clone();
    changed[column] = target;
    assertEquals(x[column], w.from(), 1e-6);
    assertEquals(target, w.to(), 0);
    assertEquals(equation.applyAsDouble(changed), w.risk(), 1e-5, feature);
  }

  static Assessment assess(String id, double[] x) throws Exception {
    try (OnnxModel model =
        ModelLoader.load(
            Path.of("models", id, "model.json"),
            new ObjectMapper(),
            OrtEnvironment.getEnvironment(),
            1)) {
      List<FeatureValue> features = new ArrayList<>();
      List<ModelDescriptor.Feature> columns = model.descriptor().features();
      for (int i = 0; i < columns.size(); i++) {
        features.add(
            new FeatureValue(
                columns.get(i).name(),
                x[i],
                columns.get(i).unit(),
                null,
                "test",
                null,
                FeatureValue.Status.OBSERVED,
                false,
                null));
      }
      return ASSESSOR.assess(model, new Extraction(features, List.of(), List.of(), List.of()));
    }
  }
}
