package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.explain.ShapleyExplainer;
import dev.clarion.model.PreventEquations.Equation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PREVENT (base model): the published reference case in plain Java and in the served ONNX graph,
 * the graph reproducible and pinned, ONNX equal to Java over a grid, and exact attributions that
 * add up.
 */
class PreventEquationsTest {

  static final Path DIR = Path.of("models/prevent-cvd");
  static OnnxModel model;

  /**
   * Khan 2024 / independent implementation: woman, 50 y, SBP 160 on treatment, TC 200, HDL 45, no
   * statin, diabetes, non-smoker, eGFR 90 (BMI 35, not used by the CVD equation) → 14.7 %.
   */
  static final double[] REFERENCE_WOMAN = {50, 200, 45, 160, 1, 0, 1, 0, 90, 1};

  @BeforeAll
  static void load() {
    model =
        ModelLoader.load(
            DIR.resolve("model.json"), new ObjectMapper(), OrtEnvironment.getEnvironment(), 1);
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  @Test
  void reproducesThePublishedReferenceCase() {
    assertEquals(0.147, PreventEquations.cvd10(REFERENCE_WOMAN), 0.001);
    assertEquals(0.147, PreventEquations.risk(Equation.F_CVD10, REFERENCE_WOMAN, 35), 0.001);
    assertEquals(0.147, model.predict(floats(REFERENCE_WOMAN))[0], 0.001);
    assertEquals(
        PreventEquations.cvd10(REFERENCE_WOMAN), model.predict(floats(REFERENCE_WOMAN))[0], 1e-6);
  }

  @Test
  void theSameProfileAsAManUsesTheMaleEquation() {
    double[] man = REFERENCE_WOMAN.clone();
    man[PreventEquations.Input.FEMALE.ordinal()] = 0;
    assertEquals(PreventEquations.risk(Equation.M_CVD10, man), PreventEquations.cvd10(man), 0);
    assertEquals(PreventEquations.cvd10(man), model.predict(floats(man))[0], 1e-6);
    assertTrue(PreventEquations.cvd10(man) != PreventEquations.cvd10(REFERENCE_WOMAN));
  }

  @Test
  void heartFailureEquationsNeedBmi() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PreventEquations.risk(Equation.F_HF10, REFERENCE_WOMAN));
    double withBmi = PreventEquations.risk(Equation.F_HF10, REFERENCE_WOMAN, 35);
    assertTrue(withBmi > 0 && withBmi < 1);
  }

  @Test
  void committedGraphIsExactlyWhatTheBuilderProducesAndIsPinned() throws Exception {
    byte[] committed = Files.readAllBytes(DIR.resolve("prevent-cvd.onnx"));
    assertArrayEquals(
        PreventGraphBuilder.build(),
        committed,
        "models/prevent-cvd/prevent-cvd.onnx is stale: run PreventGraphBuilder and update the sha256");
    String pinned =
        new ObjectMapper().readTree(DIR.resolve("model.json").toFile()).get("sha256").asText();
    assertEquals(ModelLoader.sha256(committed), pinned);
    assertEquals(pinned, model.sha256());
  }

  @Test
  void theFurtherOutputsAreTheAscvdAnd30YearEquationsOfThePatientsSex() {
    PreventEquations.Equation[][] bySex = {
      {
        PreventEquations.Equation.M_ASCVD10,
        PreventEquations.Equation.M_CVD30,
        PreventEquations.Equation.M_ASCVD30
      },
      {
        PreventEquations.Equation.F_ASCVD10,
        PreventEquations.Equation.F_CVD30,
        PreventEquations.Equation.F_ASCVD30
      }
    };
    for (double age : new double[] {30, 45, 59, 70}) {
      for (double sbp : new double[] {100, 135, 180}) {
        for (int flags = 0; flags < 32; flags++) {
          double[] x = {
            age,
            210,
            48,
            sbp,
            flags & 1,
            (flags >> 1) & 1,
            (flags >> 2) & 1,
            (flags >> 3) & 1,
            75,
            (flags >> 4) & 1
          };
          double[] onnx = model.alsoReports(floats(x));
          PreventEquations.Equation[] eq = bySex[(int) x[9]];
          for (int k = 0; k < 3; k++) {
            assertEquals(PreventEquations.risk(eq[k], x), onnx[k], 1e-5, eq[k] + " at " + age);
          }
        }
      }
    }
  }

  @Test
  void heartFailureOutputsAreTheHfEquationsWithBmi() {
    for (double bmi : new double[] {18.5, 24, 30, 35, 39.9}) {
      for (int flags = 0; flags < 32; flags++) {
        double[] x = {
          52,
          210,
          48,
          142,
          flags & 1,
          (flags >> 1) & 1,
          (flags >> 2) & 1,
          (flags >> 3) & 1,
          75,
          (flags >> 4) & 1,
          bmi
        };
        double[] onnx = model.alsoReports(floats(x));
        boolean f = x[9] >= 0.5;
        assertEquals(
            PreventEquations.risk(f ? Equation.F_HF10 : Equation.M_HF10, x), onnx[3], 1e-5);
        assertEquals(
            PreventEquations.risk(f ? Equation.F_HF30 : Equation.M_HF30, x), onnx[4], 1e-5);
        // BMI changes heart failure only.
        assertEquals(PreventEquations.cvd10(x), model.predict(floats(x))[0], 1e-6);
      }
    }
  }

  @Test
  void onnxMatchesJavaReferenceOverAGridOfInputs() {
    double[] ages = {30, 42, 55, 67, 79};
    double[] tcs = {130, 200, 320};
    double[] hdls = {20, 45, 100};
    double[] sbps = {90, 110, 130, 160, 200};
    double[] egfrs = {15, 45, 60, 90, 140};
    int width = PreventEquations.INPUTS;
    int rows = ages.length * tcs.length * hdls.length * sbps.length * egfrs.length * 32;
    float[] batch = new float[rows * width];
    double[][] inputs = new double[rows][];
    int r = 0;
    for (double age : ages) {
      for (double tc : tcs) {
        for (double hdl : hdls) {
          for (double sbp : sbps) {
            for (double egfr : egfrs) {
              for (int flags = 0; flags < 32; flags++) {
                double[] x = {
                  age,
                  tc,
                  hdl,
                  sbp,
                  flags & 1,
                  (flags >> 1) & 1,
                  (flags >> 2) & 1,
                  (flags >> 3) & 1,
                  egfr,
                  (flags >> 4) & 1
                };
                inputs[r] = x;
                System.arraycopy(floats(x), 0, batch, r * width, width);
                r++;
              }
            }
          }
        }
      }
    }
    double[] onnx = model.predict(batch);
    double worst = 0;
    for (int i = 0; i < rows; i++) {
      double expected = PreventEquations.cvd10(inputs[i]);
      worst = Math.max(worst, Math.abs(expected - onnx[i]));
      int row = i;
      assertEquals(expected, onnx[i], 1e-5, () -> "row " + Arrays.toString(inputs[row]));
    }
    assertTrue(rows >= 30_000, "grid covers " + rows + " rows, worst difference " + worst);
  }

  @Test
  void exactAttributionsAddUpToRiskMinusTheReferenceProfile() {
    ModelDescriptor d = model.descriptor();
    float[] patient = floats(REFERENCE_WOMAN);
    float[] reference = patient.clone();
    boolean[] attributed = new boolean[model.width()];
    for (int i = 0; i < model.width(); i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      attributed[i] = f.attributed();
      if (f.attributed()) {
        reference[i] = d.reference().values().get(f.name()).floatValue();
      }
    }
    dev.clarion.explain.Explainer.Explanation e =
        new ShapleyExplainer().explain(model, patient, reference, attributed, List.of());
    double sum = Arrays.stream(e.contributions()).sum();
    assertEquals(e.prediction() - e.baseline(), sum, 1e-9);
    double[] referenceProfile = new double[reference.length];
    for (int i = 0; i < reference.length; i++) {
      referenceProfile[i] = reference[i];
    }
    assertEquals(PreventEquations.cvd10(referenceProfile), e.baseline(), 1e-6);
    // Treated SBP 160 and diabetes raise the risk the most; nothing is attributed to sex.
    double[] phi = e.contributions();
    assertEquals(0, phi[PreventEquations.Input.FEMALE.ordinal()], 0);
    int sbp = PreventEquations.Input.SYSTOLIC_BP.ordinal();
    int dm = PreventEquations.Input.DIABETES.ordinal();
    for (int i = 0; i < phi.length; i++) {
      if (i != sbp && i != dm && i != PreventEquations.Input.BP_TREATED.ordinal()) {
        assertTrue(
            phi[i] < phi[sbp] && phi[i] < phi[dm], "input " + i + ": " + Arrays.toString(phi));
      }
    }
  }

  /** The model's row; a profile without BMI gets NaN in the BMI column (as served). */
  static float[] floats(double[] x) {
    float[] f = new float[PreventEquations.INPUTS];
    java.util.Arrays.fill(f, Float.NaN);
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }
}
