package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.CkdEpi2021;
import dev.clarion.model.KidneyFailureRiskEquation.Baseline;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KFRE and CKD-EPI 2021: published reference values, the served graph pinned and equal to Java. */
class KfreTest {

  static final Path DIR = Path.of("models/kfre");
  static OnnxModel model;

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
  void reproducesThePublishedTwoYearReferenceCases() {
    assertEquals(
        0.012470734,
        KidneyFailureRiskEquation.risk(Baseline.NORTH_AMERICA_2Y, 55, false, 45, 120),
        1e-8);
    assertEquals(
        0.09997874,
        KidneyFailureRiskEquation.risk(Baseline.NORTH_AMERICA_2Y, 72, true, 28, 800),
        1e-7);
  }

  @Test
  void theServedGraphsTwoYearOutputReproducesThePublishedCases() {
    assertEquals(0.012470734, model.alsoReports(new float[] {55, 0, 45, 120})[0], 1e-6);
    assertEquals(0.09997874, model.alsoReports(new float[] {72, 1, 28, 800})[0], 1e-6);
  }

  @Test
  void fiveYearRiskIsHigherAndTheGraphServesIt() {
    double[] man = {55, 0, 45, 120};
    double five = KidneyFailureRiskEquation.risk5y(man);
    assertTrue(
        five > KidneyFailureRiskEquation.risk(Baseline.NORTH_AMERICA_2Y, 55, false, 45, 120));
    assertEquals(five, model.predict(new float[] {55, 0, 45, 120})[0], 1e-6);
  }

  @Test
  void ckdEpi2021ReferenceValue() {
    assertEquals(71.42, CkdEpi2021.egfr(1.2, 55, false), 0.01);
    // Women get the female kappa/alpha and the 1.012 factor: same creatinine, other eGFR.
    assertTrue(CkdEpi2021.egfr(1.2, 55, true) < CkdEpi2021.egfr(1.2, 55, false));
    assertEquals(
        142 * Math.pow(0.6 / 0.7, -0.241) * Math.pow(0.9938, 40) * 1.012,
        CkdEpi2021.egfr(0.6, 40, true),
        1e-9);
  }

  @Test
  void committedGraphIsExactlyWhatTheBuilderProducesAndIsPinned() throws Exception {
    byte[] committed = Files.readAllBytes(DIR.resolve("kfre.onnx"));
    assertArrayEquals(
        KfreGraphBuilder.build(),
        committed,
        "models/kfre/kfre.onnx is stale: run KfreGraphBuilder and update the sha256");
    assertEquals(ModelLoader.sha256(committed), model.sha256());
    assertEquals(
        new ObjectMapper().readTree(DIR.resolve("model.json").toFile()).get("sha256").asText(),
        model.sha256());
  }

  /**
   * The candidate 1.2.0 (models/kfre/candidates/1.2.0, scored in shadow by the kfre service): the
   * same equation with Tangri 2016's baseline survival outside North America (0.9365 at 5 years,
   * 0.9832 at 2), built by the same builder and pinned.
   */
  @Test
  void theCandidateIsTheEquationWithTheNonNorthAmericanBaselinesOfTangri2016() throws Exception {
    Path dir = DIR.resolve("candidates/1.2.0");
    byte[] committed = Files.readAllBytes(dir.resolve("kfre.onnx"));
    assertArrayEquals(
        KfreGraphBuilder.build(KfreGraphBuilder.Region.ELSEWHERE),
        committed,
        "models/kfre/candidates/1.2.0/kfre.onnx is stale: run KfreGraphBuilder with 'elsewhere'");
    assertEquals(0.9365, Baseline.ELSEWHERE_5Y.survival());
    assertEquals(0.9832, Baseline.ELSEWHERE_2Y.survival());
    try (OnnxModel candidate =
        ModelLoader.loadCandidate(
            dir.resolve("model.json"), new ObjectMapper(), OrtEnvironment.getEnvironment(), 1)) {
      assertEquals("1.2.0", candidate.descriptor().version());
      assertEquals(ModelLoader.sha256(committed), candidate.sha256());
      double[][] inputs = grid();
      double[] onnx = candidate.predict(batch(inputs));
      for (int i = 0; i < inputs.length; i++) {
        double[] x = inputs[i];
        assertEquals(
            KidneyFailureRiskEquation.risk(Baseline.ELSEWHERE_5Y, x[0], x[1] == 1, x[2], x[3]),
            onnx[i],
            1e-5,
            "5-year, row " + i);
      }
      for (double[] x : new double[][] {{55, 0, 45, 120}, {72, 1, 28, 800}}) {
        assertEquals(
            KidneyFailureRiskEquation.risk(Baseline.ELSEWHERE_2Y, x[0], x[1] == 1, x[2], x[3]),
            candidate.alsoReports(batch(new double[][] {x}))[0],
            1e-6);
      }
      // Lower baseline hazard outside North America: every risk is lower than 1.1.0's.
      double[] active = model.predict(batch(inputs));
      for (int i = 0; i < inputs.length; i++) {
        assertTrue(onnx[i] <= active[i], "row " + i);
      }
    }
  }

  private static double[][] grid() {
    double[] ages = {18, 35, 50, 65, 80, 100};
    double[] egfrs = {10, 15, 22, 30, 37, 45, 52, 59};
    double[] uacrs = {1, 3, 10, 30, 120, 300, 800, 3000, 10000};
    double[][] inputs = new double[ages.length * egfrs.length * uacrs.length * 2][];
    int r = 0;
    for (double age : ages) {
      for (double egfr : egfrs) {
        for (double uacr : uacrs) {
          for (int female = 0; female < 2; female++) {
            inputs[r++] = new double[] {age, female, egfr, uacr};
          }
        }
      }
    }
    return inputs;
  }

  private static float[] batch(double[][] rows) {
    float[] batch = new float[rows.length * 4];
    for (int r = 0; r < rows.length; r++) {
      for (int i = 0; i < 4; i++) {
        batch[r * 4 + i] = (float) rows[r][i];
      }
    }
    return batch;
  }

  @Test
  void onnxMatchesJavaOverAGrid() {
    double[] ages = {18, 35, 50, 65, 80, 100};
    double[] egfrs = {10, 15, 22, 30, 37, 45, 52, 59};
    double[] uacrs = {1, 3, 10, 30, 120, 300, 800, 3000, 10000};
    int rows = ages.length * egfrs.length * uacrs.length * 2;
    float[] batch = new float[rows * 4];
    double[][] inputs = new double[rows][];
    int r = 0;
    for (double age : ages) {
      for (double egfr : egfrs) {
        for (double uacr : uacrs) {
          for (int female = 0; female < 2; female++) {
            inputs[r] = new double[] {age, female, egfr, uacr};
            for (int i = 0; i < 4; i++) {
              batch[r * 4 + i] = (float) inputs[r][i];
            }
            r++;
          }
        }
      }
    }
    double[] onnx = model.predict(batch);
    for (int i = 0; i < rows; i++) {
      assertEquals(KidneyFailureRiskEquation.risk5y(inputs[i]), onnx[i], 1e-5, "row " + i);
    }
  }
}
